package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MixConfig configures batch-level Mixup/CutMix (timm's Mixup, mode "batch").
type MixConfig struct {
	MixupAlpha     float64 // Beta(α, α) for Mixup; 0 = off
	CutmixAlpha    float64 // Beta(α, α) for CutMix; 0 = off
	Prob           float64 // probability of mixing a batch at all, [0,1]
	SwitchProb     float64 // with both on, probability of CutMix instead of Mixup, [0,1]
	LabelSmoothing float64 // folded into the soft targets, [0,1)
	NumClasses     int     // > 0
}

// DefaultMixConfig is the TokenFormer/DeiT recipe: Mixup 0.8, CutMix 1.0,
// prob 1, switch 0.5, smoothing 0.1, 1000 classes.
func DefaultMixConfig() MixConfig {
	return MixConfig{MixupAlpha: 0.8, CutmixAlpha: 1, Prob: 1, SwitchProb: 0.5, LabelSmoothing: 0.1, NumClasses: 1000}
}

// Mixer mixes batches in place and builds their soft targets. Safe for
// concurrent use (it holds only its config).
type Mixer struct{ cfg MixConfig }

// NewMixer validates cfg.
func NewMixer(cfg MixConfig) (*Mixer, error) {
	if !(cfg.MixupAlpha >= 0) || math.IsInf(cfg.MixupAlpha, 0) {
		return nil, fmt.Errorf("augment: MixConfig.MixupAlpha = %v, want >= 0 (0 = off)", cfg.MixupAlpha)
	}
	if !(cfg.CutmixAlpha >= 0) || math.IsInf(cfg.CutmixAlpha, 0) {
		return nil, fmt.Errorf("augment: MixConfig.CutmixAlpha = %v, want >= 0 (0 = off)", cfg.CutmixAlpha)
	}
	if !(cfg.Prob >= 0 && cfg.Prob <= 1) {
		return nil, fmt.Errorf("augment: MixConfig.Prob = %v, want [0,1]", cfg.Prob)
	}
	if !(cfg.SwitchProb >= 0 && cfg.SwitchProb <= 1) {
		return nil, fmt.Errorf("augment: MixConfig.SwitchProb = %v, want [0,1]", cfg.SwitchProb)
	}
	if !(cfg.LabelSmoothing >= 0 && cfg.LabelSmoothing < 1) {
		return nil, fmt.Errorf("augment: MixConfig.LabelSmoothing = %v, want [0,1)", cfg.LabelSmoothing)
	}
	if cfg.NumClasses < 1 {
		return nil, fmt.Errorf("augment: MixConfig.NumClasses = %d, want >= 1", cfg.NumClasses)
	}
	return &Mixer{cfg: cfg}, nil
}

// Config returns the configuration.
func (m *Mixer) Config() MixConfig { return m.cfg }

// Enabled reports whether the mixer can mix at all.
func (m *Mixer) Enabled() bool {
	return m.cfg.Prob > 0 && (m.cfg.MixupAlpha > 0 || m.cfg.CutmixAlpha > 0)
}

// params draws the batch's λ and mode exactly as timm's _params_per_batch.
func (m *Mixer) params(rng *rand.Rand) (lam float64, cutmix bool) {
	lam = 1
	if !m.Enabled() || rng.Float64() >= m.cfg.Prob {
		return lam, false
	}
	switch {
	case m.cfg.MixupAlpha > 0 && m.cfg.CutmixAlpha > 0:
		cutmix = rng.Float64() < m.cfg.SwitchProb
		if cutmix {
			lam = Beta(m.cfg.CutmixAlpha, m.cfg.CutmixAlpha, rng)
		} else {
			lam = Beta(m.cfg.MixupAlpha, m.cfg.MixupAlpha, rng)
		}
	case m.cfg.MixupAlpha > 0:
		lam = Beta(m.cfg.MixupAlpha, m.cfg.MixupAlpha, rng)
	default:
		cutmix = true
		lam = Beta(m.cfg.CutmixAlpha, m.cfg.CutmixAlpha, rng)
	}
	return lam, cutmix
}

// CutmixBox is timm's rand_bbox: a box of side sqrt(1−λ) of the image's,
// centered uniformly, clipped to the image. Returns rows [y0,y1), cols [x0,x1).
func CutmixBox(h, w int, lam float64, rng *rand.Rand) (y0, y1, x0, x1 int) {
	ratio := math.Sqrt(1 - lam)
	ch, cw := int(float64(h)*ratio), int(float64(w)*ratio)
	cy, cx := rng.IntN(h), rng.IntN(w)
	y0, y1 = min(max(cy-ch/2, 0), h), min(max(cy+ch/2, 0), h)
	x0, x1 = min(max(cx-cw/2, 0), w), min(max(cx+cw/2, 0), w)
	return y0, y1, x0, x1
}

// Apply mixes the batch in place and returns its soft targets (batch ×
// NumClasses, row-major) and λ. images holds batch images of h×w×c floats
// (HWC; c is inferred); labels has batch class indices. Only the first valid
// rows are real: row i < valid is paired with row valid−1−i (timm's flipped
// batch, restricted to the real rows so padding never leaks into them); rows
// at and after valid are left untouched and get their own smoothed one-hot.
// With CutMix, λ is corrected to the unclipped box's actual area (timm's
// correct_lam). Label smoothing gives off = s/K, on = 1 − s + off; the target
// of row i is λ·onehot(y_i) + (1−λ)·onehot(y_pair).
func (m *Mixer) Apply(images []float32, labels []int32, valid, batch, h, w int, rng *rand.Rand) (targets []float32, lambda float64) {
	if batch <= 0 || h <= 0 || w <= 0 || len(images)%(batch*h*w) != 0 || len(labels) < batch {
		panic(fmt.Sprintf("augment: Mixer.Apply: %d floats / %d labels do not fit batch %d of %d×%d", len(images), len(labels), batch, h, w))
	}
	valid = min(max(valid, 0), batch)
	c := len(images) / (batch * h * w)
	per := h * w * c
	lam, cutmix := m.params(rng)
	if lam != 1 && valid > 1 {
		if cutmix {
			lam = cutmixSwap(images, valid, h, w, c, lam, rng)
		} else {
			l, r := float32(lam), float32(1-lam)
			for i := 0; i < valid/2; i++ {
				a := images[i*per : (i+1)*per]
				b := images[(valid-1-i)*per : (valid-i)*per]
				b = b[:len(a)]
				for k := range a {
					va, vb := a[k], b[k]
					a[k] = l*va + r*vb
					b[k] = l*vb + r*va
				}
			}
		}
	}
	return m.targets(labels, valid, batch, lam), lam
}

// targets builds the soft targets of a batch mixed with λ (see Apply).
func (m *Mixer) targets(labels []int32, valid, batch int, lam float64) []float32 {
	targets := make([]float32, batch*m.cfg.NumClasses)
	k := m.cfg.NumClasses
	off := m.cfg.LabelSmoothing / float64(k)
	on := 1 - m.cfg.LabelSmoothing + off
	for i := 0; i < batch; i++ {
		row := targets[i*k : (i+1)*k]
		for j := range row {
			row[j] = float32(off)
		}
		li := checkLabel(labels[i], k)
		if i >= valid {
			row[li] = float32(on)
			continue
		}
		lj := checkLabel(labels[valid-1-i], k)
		row[li] += float32(lam * (on - off))
		row[lj] += float32((1 - lam) * (on - off))
	}
	return targets
}

func checkLabel(l int32, k int) int {
	if l < 0 || int(l) >= k {
		panic(fmt.Sprintf("augment: label %d outside [0,%d)", l, k))
	}
	return int(l)
}

// SmoothLabels returns the label-smoothed one-hot targets (len(labels) ×
// numClasses) for batches that are not mixed: off = smoothing/numClasses,
// on = 1 − smoothing + off.
func SmoothLabels(labels []int32, numClasses int, smoothing float64) []float32 {
	t := make([]float32, len(labels)*numClasses)
	off := smoothing / float64(numClasses)
	on := 1 - smoothing + off
	for i, l := range labels {
		row := t[i*numClasses : (i+1)*numClasses]
		for j := range row {
			row[j] = float32(off)
		}
		row[checkLabel(l, numClasses)] = float32(on)
	}
	return t
}

// cutmixSwap is CutMix on valid images of h×w×c values (HWC, float or 8-bit alike): it
// draws the box for λ, swaps it between image i and its partner valid−1−i, and returns λ
// corrected to the box's actual area (timm's correct_lam).
func cutmixSwap[T float32 | uint8](images []T, valid, h, w, c int, lam float64, rng *rand.Rand) float64 {
	y0, y1, x0, x1 := CutmixBox(h, w, lam, rng)
	per := h * w * c
	for i := 0; i < valid/2; i++ {
		a := images[i*per : (i+1)*per]
		b := images[(valid-1-i)*per : (valid-i)*per]
		for y := y0; y < y1; y++ {
			ra := a[(y*w+x0)*c : (y*w+x1)*c]
			rb := b[(y*w+x0)*c : (y*w+x1)*c]
			for k := range ra {
				ra[k], rb[k] = rb[k], ra[k]
			}
		}
	}
	return 1 - float64((y1-y0)*(x1-x0))/float64(h*w)
}
