package augment

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
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

// Train is the per-image training transform: RandomResizedCrop + flip, then
// RandAugment on the 8-bit image at output size (as timm does, before
// normalisation), then normalisation into dst, then random erasing on dst.
// Without RandAugment the crop, resize, flip and normalisation are one fused
// pass from the source pixels into dst. Safe for concurrent use.
type Train struct {
	cfg  TrainConfig
	ra   *RandAugment
	norm normalizer
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
	t := &Train{cfg: cfg, norm: newNormalizer(cfg.Mean, cfg.Std)}
	if cfg.RandAugment != "" {
		rc, err := ParseRandAugment(cfg.RandAugment)
		if err != nil {
			return nil, fmt.Errorf("augment: TrainConfig.RandAugment: %w", err)
		}
		rc.Interp = cfg.Interp
		t.ra = NewRandAugment(rc)
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

// Config returns the configuration the transform was built with.
func (t *Train) Config() TrainConfig { return t.cfg }

// Size returns the output height and width.
func (t *Train) Size() (h, w int) { return t.cfg.Size, t.cfg.Size }

// Apply augments img into dst (Size×Size×3, HWC, RGB, normalised). The random
// draws happen in torchvision/timm order: crop box, flip, RandAugment, erasing.
func (t *Train) Apply(img image.Image, rng *rand.Rand, dst []float32) error {
	n := t.cfg.Size
	b, err := checkApply(img, dst, n)
	if err != nil {
		return err
	}
	box := SampleRRCBox(b.Dx(), b.Dy(), t.cfg.Scale, t.cfg.Ratio, rng).Add(b.Min)
	ax, ay := cropAxes(box, n, n)
	t.apply(img, ax, ay, rng, dst)
	return nil
}

// MinDecodeSizeFor implements imagenet.CropPlanner: for a w×h image, the smallest
// decoded size on which the crop that Apply would draw from rng still spans at least
// Size×Size pixels, so that decoding smaller loses nothing the resize keeps (a crop of
// a quarter of a 4000×3000 photo at 224 px needs only 1/8 of it).
func (t *Train) MinDecodeSizeFor(w, h int, rng *rand.Rand) (minW, minH int) {
	box := SampleRRCBox(w, h, t.cfg.Scale, t.cfg.Ratio, rng)
	n := t.cfg.Size
	return (n*w + box.Dx() - 1) / box.Dx(), (n*h + box.Dy() - 1) / box.Dy()
}

// ApplyScaled implements imagenet.CropPlanner: Apply for img decoded at scale (n/8) from
// a fullW×fullH image. The crop box and every later draw are those Apply makes on the
// full image (same rng stream); the box is mapped onto img in fractional coordinates.
// With img the full image (scale 1) the result equals Apply's.
func (t *Train) ApplyScaled(img image.Image, fullW, fullH int, scale float64, rng *rand.Rand, dst []float32) error {
	n := t.cfg.Size
	b, err := checkApply(img, dst, n)
	if err != nil {
		return err
	}
	box := SampleRRCBox(fullW, fullH, t.cfg.Scale, t.cfg.Ratio, rng)
	ax := scaledAxis(box.Min.X, box.Max.X, scale, b.Min.X, b.Dx(), n)
	ay := scaledAxis(box.Min.Y, box.Max.Y, scale, b.Min.Y, b.Dy(), n)
	t.apply(img, ax, ay, rng, dst)
	return nil
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

// apply is Apply after the crop box: flip, resample, RandAugment, normalise, erase.
func (t *Train) apply(img image.Image, ax, ay axis, rng *rand.Rand, dst []float32) {
	n := t.cfg.Size
	flip := t.cfg.HFlip > 0 && rng.Float64() < t.cfg.HFlip

	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if t.ra == nil {
		resample(img, ax, ay, t.cfg.Interp, s, t.norm.emitFloat(dst, n, flip))
	} else {
		if s.img == nil || s.img.Rect.Dx() != n || s.img.Rect.Dy() != n {
			s.img = image.NewNRGBA(image.Rect(0, 0, n, n))
		}
		resample(img, ax, ay, t.cfg.Interp, s, emitNRGBA(s.img, flip))
		t.ra.Apply(s.img, rng)
		t.norm.normalizeNRGBA(s.img, dst)
	}
	if t.cfg.ReProb > 0 {
		RandomErase(dst, n, n, 3, t.cfg.ReProb, rng)
	}
}
