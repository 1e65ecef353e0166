package augment

import (
	"fmt"
	"image"
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
	flip := t.cfg.HFlip > 0 && rng.Float64() < t.cfg.HFlip

	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	ax, ay := cropAxes(box, n, n)
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
	return nil
}
