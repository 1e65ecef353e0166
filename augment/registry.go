package augment

import (
	"fmt"
	"image"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// ImageOp is a per-image augmentation on the 8-bit image at output size, between the
// geometry and the normalisation (RandAugment, or any op a user registers). It changes
// img in place and draws every random choice from rng, so a sample's augmentation stays
// reproducible. It never sees the floats the transform finally writes, so it does not
// depend on how the output is encoded. The loader's workers share one transform, so
// Apply is called concurrently: keep per-call state local (img and rng are the call's
// own).
type ImageOp interface {
	Apply(img *image.NRGBA, rng *rand.Rand)
}

// ImageFunc adapts a function to ImageOp.
type ImageFunc func(img *image.NRGBA, rng *rand.Rand)

// Apply calls f.
func (f ImageFunc) Apply(img *image.NRGBA, rng *rand.Rand) { f(img, rng) }

// Op is what a builder returns. Ops from outside this package are ImageOps wrapped by
// PerImage; the pipeline's own stages (geometry, flip, normalise, erasing), which the
// fused resample has to know about, come from this package's builders.
type Op interface{ stage() }

// PerImage makes op a spec op that runs on the 8-bit image at output size.
func PerImage(op ImageOp) Op { return imageStage{op} }

// Builder turns an op's arguments into the op. It reads them through Args and returns
// errors from Args.Errorf, so that messages point into the spec.
type Builder func(a *Args) (Op, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Builder{}
	opName   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Register adds an op to the spec language under name (lower case letters, digits and
// '_'). It panics on a malformed or duplicate name: registration is program set-up (an
// init function next to the op), where a clash is a bug to see at start-up rather than
// an op silently replaced.
func Register(name string, build Builder) {
	if !opName.MatchString(name) || build == nil {
		panic(fmt.Sprintf("augment.Register(%q): want a lower-case name and a builder", name))
	}
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("augment.Register(%q): already registered", name))
	}
	registry[name] = build
}

// Registered lists the op names, sorted.
func Registered() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func lookup(name string) (Builder, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	b, ok := registry[name]
	return b, ok
}

// The stages the pipeline itself implements.
type (
	rrcStage struct {
		size         int
		scale, ratio [2]float64
		interp       Interpolation
	}
	resizeStage struct {
		short  int
		interp Interpolation
	}
	centerCropStage struct{ size int }
	flipStage       struct{ p float64 }
	imageStage      struct{ op ImageOp }
	normaliseStage  struct{ mean, std [3]float32 }
	eraseStage      struct{ p float64 }
)

func (rrcStage) stage()        {}
func (resizeStage) stage()     {}
func (centerCropStage) stage() {}
func (flipStage) stage()       {}
func (imageStage) stage()      {}
func (normaliseStage) stage()  {}
func (eraseStage) stage()      {}

// pipeline is a built spec. Its stages run in a fixed order, which is the spec's order
// because buildPipeline refuses any other: geometry (crop box drawn first), a flip
// directly after it (fused into the resample), 8-bit ops, normalisation, float ops.
// That fixed shape is what keeps rrc|flip|normalise one pass from the source pixels
// into dst.
type pipeline struct {
	spec   string
	size   int
	interp Interpolation
	rrc    *rrcStage // train geometry
	short  int       // eval geometry (resize short side, then center crop); 0 with rrc
	flip   float64   // fused flip probability, 0 = none
	image  []ImageOp
	norm   normalizer
	mean   [3]float32 // what norm was built from, for Normalisation
	std    [3]float32
	erase  []float64
}

// draws reports whether anything after the geometry takes from the rng.
func (p *pipeline) draws() bool { return p.flip > 0 || len(p.image) > 0 || len(p.erase) > 0 }

// phases of buildPipeline, in the only order the stages may come.
const (
	wantGeometry = iota
	wantCrop     // after resize
	inImage      // after the geometry: flip, 8-bit ops, normalise, erase
	inFloat      // after normalise: float ops only
)

// buildPipeline parses spec and builds its ops. size > 0 is the output size the caller
// needs (the geometry's size defaults to it and must equal it).
func buildPipeline(spec string, size int) (*pipeline, error) {
	calls, err := parseSpec(spec)
	if err != nil {
		return nil, err
	}
	p := &pipeline{spec: spec, interp: Bicubic}
	phase := wantGeometry
	normalised := false
	for i := range calls {
		c := &calls[i]
		opErr := func(format string, args ...any) error {
			return &SpecError{Op: c.idx, OpText: c.text, Col: c.col, Msg: fmt.Sprintf(format, args...)}
		}
		build, ok := lookup(c.name)
		if !ok {
			return nil, opErr("unknown op %q (registered: %s)", c.name, strings.Join(Registered(), ", "))
		}
		a := &Args{c: c, cols: map[string]int{}, interp: p.interp, size: size}
		op, err := build(a)
		if a.err != nil {
			return nil, a.err
		}
		if err != nil {
			if _, ok := err.(*SpecError); !ok {
				err = opErr("%v", err)
			}
			return nil, err
		}
		if err := a.leftover(); err != nil {
			return nil, err
		}
		if op == nil {
			return nil, opErr("builder of %s returned no op", c.name)
		}
		if phase == wantGeometry {
			switch op.(type) {
			case rrcStage, resizeStage:
			default:
				return nil, opErr("the spec must start with the geometry, rrc(...) or resize(...)|center_crop(...), not %s", c.name)
			}
		}
		if phase == wantCrop {
			switch op.(type) {
			case flipStage, imageStage, normaliseStage, eraseStage:
				return nil, opErr("resize must be followed by center_crop")
			}
		}
		switch s := op.(type) {
		case rrcStage:
			if phase != wantGeometry {
				return nil, opErr("rrc must be the first op (its crop box is the first random draw)")
			}
			p.rrc, p.size, p.interp, phase = &s, s.size, s.interp, inImage
		case resizeStage:
			if phase != wantGeometry {
				return nil, opErr("resize must be the first op, followed by center_crop")
			}
			p.short, p.interp, phase = s.short, s.interp, wantCrop
		case centerCropStage:
			if phase != wantCrop {
				return nil, opErr("center_crop must directly follow resize")
			}
			if s.size > p.short {
				return nil, opErr("center_crop(%d) is larger than the short side resize gives (%d)", s.size, p.short)
			}
			p.size, phase = s.size, inImage
		case flipStage:
			switch {
			case phase == inFloat:
				return nil, opErr("flip must come before normalise and the float ops (it flips the 8-bit image)")
			case len(p.image) == 0 && p.flip == 0:
				p.flip = s.p
			default:
				p.image = append(p.image, flipImage(s))
			}
		case imageStage:
			if phase == inFloat {
				return nil, opErr("%s works on the 8-bit image: put it before normalise and the float ops", c.name)
			}
			p.image = append(p.image, s.op)
		case normaliseStage:
			switch {
			case normalised:
				return nil, opErr("normalise given twice")
			case phase == inFloat:
				return nil, opErr("normalise must come before the float ops")
			}
			p.mean, p.std, normalised, phase = s.mean, s.std, true, inFloat
		case eraseStage:
			phase = inFloat
			if s.p > 0 {
				p.erase = append(p.erase, s.p)
			}
		default:
			return nil, opErr("builder of %s returned %T: ops from outside package augment must be PerImage(ImageOp)", c.name, op)
		}
		if size > 0 && p.size > 0 && p.size != size {
			return nil, opErr("output size %d, but the transform must output %d (the model's image size)", p.size, size)
		}
	}
	switch phase {
	case wantGeometry:
		return nil, &SpecError{Col: 1, Msg: "no geometry: the spec must start with rrc(...) or resize(...)|center_crop(...)"}
	case wantCrop:
		return nil, &SpecError{Col: len(spec) + 1, Msg: "resize must be followed by center_crop"}
	}
	if !normalised {
		// ImageNet statistics when the spec does not say: every recipe here uses them,
		// and the transform's output is always normalised floats.
		p.mean, p.std = ImageNetMean, ImageNetStd
	}
	p.norm = newNormalizer(p.mean, p.std).withRows(p.size)
	return p, nil
}

// run is the pipeline after the geometry: ax, ay say what to resample. Without 8-bit
// ops the resample writes straight into out; with them it goes through one 8-bit image
// at output size (timm runs RandAugment on PIL images). The draws do not depend on out,
// so a sample's float and 8-bit outputs are the same augmentation.
func (p *pipeline) run(img image.Image, ax, ay axis, rng *rand.Rand, out sink) {
	n := p.size
	flip := p.flip > 0 && rng.Float64() < p.flip

	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if len(p.image) == 0 {
		ycc, isYCC := img.(*image.YCbCr)
		if !isYCC || !resamplePlanes(ycc, ax, ay, p.interp, s, out.emitPlanes(n, flip, s)) {
			resample(img, ax, ay, p.interp, s, out.emit(n, flip))
		}
	} else {
		if s.img == nil || s.img.Rect.Dx() != n || s.img.Rect.Dy() != n {
			s.img = image.NewNRGBA(image.Rect(0, 0, n, n))
		}
		resample(img, ax, ay, p.interp, s, emitNRGBA(s.img, flip))
		for _, op := range p.image {
			op.Apply(s.img, rng)
		}
		out.fromNRGBA(s.img)
	}
	for _, pe := range p.erase {
		out.erase(n, pe, rng)
	}
}
