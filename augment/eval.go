package augment

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"strings"
)

// EvalConfig configures the evaluation transform (timm semantics): resize the
// short side to floor(Size / CropPct), keeping the aspect ratio, then take the
// central Size×Size crop.
type EvalConfig struct {
	Size      int     // output height and width, 1..8192
	CropPct   float64 // (0,1]; 0.875 gives 224 from 256
	Interp    Interpolation
	Mean, Std [3]float32
}

// DefaultEvalConfig is the ImageNet eval transform: bicubic, 224 from 256.
func DefaultEvalConfig() EvalConfig {
	return EvalConfig{Size: 224, CropPct: 0.875, Interp: Bicubic, Mean: ImageNetMean, Std: ImageNetStd}
}

// Eval is the evaluation transform, built from a spec (NewEvalSpec) or an EvalConfig
// (NewEval, through EvalConfig.Spec). Its geometry is resize|center_crop, one pass:
// only the output pixels of the crop are computed, with the filter taps of the full
// resize (so values equal resize-then-crop).
type Eval struct {
	p *pipeline
}

func init() {
	Register("resize", buildResize)
	Register("center_crop", buildCenterCrop)
}

// buildResize: resize(size, interp=bicubic) scales the image so that its short side is
// size, keeping the aspect ratio (timm's eval resize; size = floor(crop / crop_pct)).
// It must be followed by center_crop: the loader needs a fixed output size.
func buildResize(a *Args) (Op, error) {
	s := resizeStage{short: a.Int("size", 0), interp: a.Interp("interp")}
	if s.short < 1 || s.short > 1<<24 {
		return nil, a.Errorf("size", "%d, want the short side in pixels, 1..16777216", s.short)
	}
	return s, nil
}

// buildCenterCrop: center_crop(size), the central size×size of the resized image; size
// defaults to the transform's output size.
func buildCenterCrop(a *Args) (Op, error) {
	s := centerCropStage{size: a.Int("size", a.Size())}
	if s.size < 1 || s.size > 8192 {
		return nil, a.Errorf("size", "%d, want 1..8192", s.size)
	}
	return s, nil
}

// NewEvalSpec builds the evaluation transform of spec, which must start with
// resize(...)|center_crop(...). size > 0 is the output size the caller needs.
// Eval callers may pass a nil rng (the view is meant to be deterministic): ops that
// draw then get a fixed-seed generator, so their output is still the same per image.
func NewEvalSpec(spec string, size int) (*Eval, error) {
	p, err := buildPipeline(spec, size)
	if err != nil {
		return nil, err
	}
	if p.rrc != nil {
		return nil, &SpecError{Op: 1, OpText: strings.TrimSpace(strings.SplitN(spec, "|", 2)[0]), Col: 1,
			Msg: "an eval spec starts with resize(...)|center_crop(...) (rrc is random: a training op)"}
	}
	return &Eval{p: p}, nil
}

// NewEval validates cfg and builds the transform.
func NewEval(cfg EvalConfig) (*Eval, error) {
	if cfg.Size < 1 || cfg.Size > 8192 {
		return nil, fmt.Errorf("augment: EvalConfig.Size = %d, want 1..8192", cfg.Size)
	}
	if !(cfg.CropPct > 0 && cfg.CropPct <= 1) {
		return nil, fmt.Errorf("augment: EvalConfig.CropPct = %v, want (0,1]", cfg.CropPct)
	}
	if !cfg.Interp.valid() {
		return nil, fmt.Errorf("augment: EvalConfig.Interp = %v, want bilinear, bicubic or nearest", cfg.Interp)
	}
	if err := checkStd("EvalConfig", cfg.Std); err != nil {
		return nil, err
	}
	e, err := NewEvalSpec(cfg.Spec(), cfg.Size)
	if err != nil {
		return nil, fmt.Errorf("augment: EvalConfig spec %q: %w", cfg.Spec(), err)
	}
	return e, nil
}

// Spec is the default spec of the old eval keys, with the short side worked out as
// EvalGeometry does.
func (c EvalConfig) Spec() string {
	short := int(math.Floor(float64(c.Size) / c.CropPct))
	return fmt.Sprintf("resize(%d, interp=%s)|center_crop(%d)|%s", short, c.Interp, c.Size, fmtNormalise(c.Mean, c.Std))
}

// Spec returns the spec the transform was built from.
func (e *Eval) Spec() string { return e.p.spec }

// Size returns the output height and width.
func (e *Eval) Size() (h, w int) { return e.p.size, e.p.size }

// Normalisation is the mean and std the output is normalised with.
func (e *Eval) Normalisation() (mean, std [3]float32) { return e.p.mean, e.p.std }

// EvalGeometry returns, for a w×h image, the resized size (rw×rh, short side
// floor(size/cropPct), long side truncated as torchvision does) and the
// crop's top-left corner in the resized image (Python's round half to even,
// as torchvision's center_crop). Since cropPct <= 1 the resized image always
// covers the crop.
func EvalGeometry(w, h, size int, cropPct float64) (rw, rh, top, left int) {
	return resizeCropGeometry(w, h, int(math.Floor(float64(size)/cropPct)), size)
}

// resizeCropGeometry is EvalGeometry for a short side given in pixels.
func resizeCropGeometry(w, h, short, size int) (rw, rh, top, left int) {
	if w <= h {
		rw, rh = short, int(float64(short)*float64(h)/float64(w))
	} else {
		rh, rw = short, int(float64(short)*float64(w)/float64(h))
	}
	top = int(math.RoundToEven(float64(rh-size) / 2))
	left = int(math.RoundToEven(float64(rw-size) / 2))
	return rw, rh, top, left
}

// Apply writes the evaluation view of img into dst (Size×Size×3, HWC, RGB,
// normalised). rng may be nil (see NewEvalSpec); the default spec draws nothing.
func (e *Eval) Apply(img image.Image, rng *rand.Rand, dst []float32) error {
	b, err := checkApply(img, dst, e.p.size)
	if err != nil {
		return err
	}
	e.applyTo(img, b, rng, e.p.floats(dst))
	return nil
}

// applyTo resizes and center-crops img (bounds b) through the pipeline into out.
func (e *Eval) applyTo(img image.Image, b image.Rectangle, rng *rand.Rand, out sink) {
	n := e.p.size
	rw, rh, top, left := resizeCropGeometry(b.Dx(), b.Dy(), e.p.short, n)
	ax := axis{lo: b.Min.X, inSize: b.Dx(), scale: float64(b.Dx()) / float64(rw), off: left, out: n}
	ay := axis{lo: b.Min.Y, inSize: b.Dy(), scale: float64(b.Dy()) / float64(rh), off: top, out: n}
	if rng == nil && e.p.draws() {
		rng = rand.New(rand.NewPCG(evalSeed, evalSeed))
	}
	e.p.run(img, ax, ay, rng, out)
}

// evalSeed seeds the generator of eval ops that draw when the caller passes no rng.
const evalSeed = 0x65766131

// MinDecodeSize lets the loader decode large JPEGs at a reduced DCT scale (as PIL's
// draft mode): the transform needs the short side to be at least ⌊size/crop_pct⌋.
func (e *Eval) MinDecodeSize() (w, h int) {
	return e.p.short, e.p.short
}
