package augment

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// TrainConfig configures the training transform. The zero value is not
// usable; start from DefaultTrainConfig.
type TrainConfig struct {
	Size        int           // output height and width, 1..8192
	Scale       [2]float64    // RandomResizedCrop area range, 0 < Scale[0] <= Scale[1] <= 1
	Ratio       [2]float64    // RandomResizedCrop aspect-ratio range (w/h), 0 < Ratio[0] <= Ratio[1]
	Interp      Interpolation // resampling filter
	HFlip       float64       // probability of a horizontal flip, [0,1]
	RandAugment string        // timm spec like "rand-m9-mstd0.5-inc1"; "" = off
	ReProb      float64       // random-erasing probability, [0,1]
	Mean, Std   [3]float32    // normalisation on the [0,1] scale; Std > 0
}

// DefaultTrainConfig is the TokenFormer/DeiT ImageNet recipe at 224 px:
// bicubic RandomResizedCrop (0.08–1, 3/4–4/3), flip 0.5, RandAugment
// rand-m9-mstd0.5-inc1, random erasing 0.25, ImageNet mean/std.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{
		Size: 224, Scale: [2]float64{0.08, 1}, Ratio: [2]float64{3.0 / 4, 4.0 / 3},
		Interp: Bicubic, HFlip: 0.5, RandAugment: "rand-m9-mstd0.5-inc1", ReProb: 0.25,
		Mean: ImageNetMean, Std: ImageNetStd,
	}
}

// Train is the per-image training transform, built from a spec (NewTrainSpec) or from
// a TrainConfig (NewTrain, through TrainConfig.Spec). Its geometry is rrc: the crop box
// is the first random draw, which is what lets the loader decode a JPEG just large
// enough for it (imagenet.CropPlanner). Without 8-bit ops the crop, resize, flip and
// normalisation are one fused pass from the source pixels into dst. Safe for
// concurrent use.
type Train struct {
	p *pipeline
}

// NewTrainSpec builds the training transform of spec (grammar and ops in the package
// doc), which must start with rrc. size > 0 is the output size the caller needs (rrc's
// size defaults to it and must equal it); 0 takes rrc's.
func NewTrainSpec(spec string, size int) (*Train, error) {
	p, err := buildPipeline(spec, size)
	if err != nil {
		return nil, err
	}
	if p.rrc == nil {
		return nil, &SpecError{Op: 1, OpText: strings.TrimSpace(strings.SplitN(spec, "|", 2)[0]), Col: 1,
			Msg: "a training spec starts with rrc(...) (resize|center_crop is the eval geometry)"}
	}
	return &Train{p: p}, nil
}

// Spec is the default spec of the old per-image keys: the ops NewTrain runs, with every
// value written out (floats in their shortest exact form, so the spec builds the same
// transform bit for bit). Off keys (HFlip 0, RandAugment "", ReProb 0) leave their op
// out.
func (c TrainConfig) Spec() string {
	ops := []string{fmt.Sprintf("rrc(%d, scale=%s, ratio=%s, interp=%s)", c.Size, fmtPair(c.Scale), fmtPair(c.Ratio), c.Interp)}
	if c.HFlip != 0 {
		ops = append(ops, "flip("+fmtFloat(c.HFlip)+")")
	}
	if c.RandAugment != "" {
		// Single quotes, so that the spec can sit in a double-quoted YAML string.
		ops = append(ops, "randaug('"+c.RandAugment+"')")
	}
	ops = append(ops, fmtNormalise(c.Mean, c.Std))
	if c.ReProb != 0 {
		ops = append(ops, "erase("+fmtFloat(c.ReProb)+")")
	}
	return strings.Join(ops, "|")
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func fmtPair(v [2]float64) string { return "(" + fmtFloat(v[0]) + "," + fmtFloat(v[1]) + ")" }

func fmtRGB(v [3]float32) string {
	f := func(x float32) string { return strconv.FormatFloat(float64(x), 'g', -1, 32) }
	return "(" + f(v[0]) + "," + f(v[1]) + "," + f(v[2]) + ")"
}

func fmtNormalise(mean, std [3]float32) string {
	return "normalise(mean=" + fmtRGB(mean) + ", std=" + fmtRGB(std) + ")"
}

// NewTrain validates cfg and builds the transform.
func NewTrain(cfg TrainConfig) (*Train, error) {
	if cfg.Size < 1 || cfg.Size > 8192 {
		return nil, fmt.Errorf("augment: TrainConfig.Size = %d, want 1..8192", cfg.Size)
	}
	if !(cfg.Scale[0] > 0 && cfg.Scale[0] <= cfg.Scale[1] && cfg.Scale[1] <= 1) {
		return nil, fmt.Errorf("augment: TrainConfig.Scale = %v, want 0 < Scale[0] <= Scale[1] <= 1", cfg.Scale)
	}
	if !(cfg.Ratio[0] > 0 && cfg.Ratio[0] <= cfg.Ratio[1]) {
		return nil, fmt.Errorf("augment: TrainConfig.Ratio = %v, want 0 < Ratio[0] <= Ratio[1]", cfg.Ratio)
	}
	if !cfg.Interp.valid() {
		return nil, fmt.Errorf("augment: TrainConfig.Interp = %v, want bilinear, bicubic or nearest", cfg.Interp)
	}
	if !(cfg.HFlip >= 0 && cfg.HFlip <= 1) {
		return nil, fmt.Errorf("augment: TrainConfig.HFlip = %v, want a probability in [0,1]", cfg.HFlip)
	}
	if !(cfg.ReProb >= 0 && cfg.ReProb <= 1) {
		return nil, fmt.Errorf("augment: TrainConfig.ReProb = %v, want a probability in [0,1]", cfg.ReProb)
	}
	if err := checkStd("TrainConfig", cfg.Std); err != nil {
		return nil, err
	}
	if cfg.RandAugment != "" {
		if _, err := ParseRandAugment(cfg.RandAugment); err != nil {
			return nil, fmt.Errorf("augment: TrainConfig.RandAugment: %w", err)
		}
		if strings.ContainsAny(cfg.RandAugment, `'"`) {
			return nil, fmt.Errorf("augment: TrainConfig.RandAugment = %q: quotes are not allowed", cfg.RandAugment)
		}
	}
	t, err := NewTrainSpec(cfg.Spec(), cfg.Size)
	if err != nil {
		return nil, fmt.Errorf("augment: TrainConfig spec %q: %w", cfg.Spec(), err)
	}
	return t, nil
}

func checkStd(name string, std [3]float32) error {
	for c, s := range std {
		if !(s > 0) {
			return fmt.Errorf("augment: %s.Std[%d] = %v, want > 0", name, c, s)
		}
	}
	return nil
}

// Spec returns the spec the transform was built from.
func (t *Train) Spec() string { return t.p.spec }

// Size returns the output height and width.
func (t *Train) Size() (h, w int) { return t.p.size, t.p.size }

// Normalisation is the mean and std the output is normalised with (the spec's
// normalise, or ImageNet's): a model must be evaluated with the statistics it was
// trained with, which configs checks across train_pp and eval_pp.
func (t *Train) Normalisation() (mean, std [3]float32) { return t.p.mean, t.p.std }

// Apply augments img into dst (Size×Size×3, HWC, RGB, normalised). The random
// draws happen in the spec's order (for the default spec torchvision/timm's: crop box,
// flip, RandAugment, erasing).
func (t *Train) Apply(img image.Image, rng *rand.Rand, dst []float32) error {
	b, err := checkApply(img, dst, t.p.size)
	if err != nil {
		return err
	}
	t.applyTo(img, b, rng, t.p.floats(dst))
	return nil
}

// applyTo draws the crop box on img (bounds b) and runs the pipeline into out.
func (t *Train) applyTo(img image.Image, b image.Rectangle, rng *rand.Rand, out sink) {
	n := t.p.size
	box := SampleRRCBox(b.Dx(), b.Dy(), t.p.rrc.scale, t.p.rrc.ratio, rng).Add(b.Min)
	ax, ay := cropAxes(box, n, n)
	t.p.run(img, ax, ay, rng, out)
}

// MinDecodeSizeFor implements imagenet.CropPlanner: for a w×h image, the smallest
// decoded size on which the crop that Apply would draw from rng still spans at least
// Size×Size pixels, so that decoding smaller loses nothing the resize keeps (a crop of
// a quarter of a 4000×3000 photo at 224 px needs only 1/8 of it).
func (t *Train) MinDecodeSizeFor(w, h int, rng *rand.Rand) (minW, minH int) {
	box := SampleRRCBox(w, h, t.p.rrc.scale, t.p.rrc.ratio, rng)
	n := t.p.size
	return (n*w + box.Dx() - 1) / box.Dx(), (n*h + box.Dy() - 1) / box.Dy()
}

// ApplyScaled implements imagenet.CropPlanner: Apply for img decoded at scale (n/8) from
// a fullW×fullH image. The crop box and every later draw are those Apply makes on the
// full image (same rng stream); the box is mapped onto img in fractional coordinates.
// With img the full image (scale 1) the result equals Apply's.
func (t *Train) ApplyScaled(img image.Image, fullW, fullH int, scale float64, rng *rand.Rand, dst []float32) error {
	b, err := checkApply(img, dst, t.p.size)
	if err != nil {
		return err
	}
	t.applyScaledTo(img, b, fullW, fullH, scale, rng, t.p.floats(dst))
	return nil
}

// applyScaledTo draws the crop box on the full size, maps it onto img (bounds b, decoded
// at scale) and runs the pipeline into out.
func (t *Train) applyScaledTo(img image.Image, b image.Rectangle, fullW, fullH int, scale float64, rng *rand.Rand, out sink) {
	n := t.p.size
	box := SampleRRCBox(fullW, fullH, t.p.rrc.scale, t.p.rrc.ratio, rng)
	ax := scaledAxis(box.Min.X, box.Max.X, scale, b.Min.X, b.Dx(), n)
	ay := scaledAxis(box.Min.Y, box.Max.Y, scale, b.Min.Y, b.Dy(), n)
	t.p.run(img, ax, ay, rng, out)
}

// scaledAxis maps the full-size crop [x0, x1) onto a decode at scale whose pixels start
// at lo, size of them: the taps may read the source pixels the scaled box touches (as
// cropAxes lets them read the box's pixels), from the box's fractional start.
func scaledAxis(x0, x1 int, scale float64, lo, size, out int) axis {
	s0, s1 := float64(x0)*scale, min(float64(x1)*scale, float64(size))
	a := min(int(math.Floor(s0)), size-1)
	e := max(min(int(math.Ceil(s1)), size), a+1)
	return axis{lo: lo + a, inSize: e - a, box0: s0 - float64(a), scale: (s1 - s0) / float64(out), out: out}
}
