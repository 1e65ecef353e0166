package augment

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// pixelTransform is the loader's 8-bit contract (imagenet.PixelTransform, restated).
type pixelTransform interface {
	Size() (h, w int)
	ApplyBytes(img image.Image, rng *rand.Rand, dst []uint8) error
}

var (
	_ pixelTransform = (*Train)(nil)
	_ pixelTransform = (*Eval)(nil)
)

// With RandAugment the float path normalises the 8-bit image RandAugment produced, so
// normalising ApplyBytes' pixels must give Apply's floats bit for bit, and both must leave
// rng at the same point (the same draws).
func TestApplyBytesNormalisedEqualsApplyWithRandAugment(t *testing.T) {
	cfg := DefaultTrainConfig()
	cfg.Size, cfg.ReProb = 48, 0
	tr, err := NewTrain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(12) {
		img := syntheticYCbCr(97+int(seed), 80, seed)
		r1, r2 := newRNG(seed), newRNG(seed)
		want := make([]float32, 48*48*3)
		px := make([]uint8, 48*48*3)
		if err := tr.Apply(img, r1, want); err != nil {
			t.Fatal(err)
		}
		if err := tr.ApplyBytes(img, r2, px); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, len(px))
		NormalizePixels(px, cfg.Mean, cfg.Std, got)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("seed %d: float %d = %v from bytes, %v from Apply", seed, i, got[i], want[i])
			}
		}
		if a, b := r1.Uint64(), r2.Uint64(); a != b {
			t.Fatalf("seed %d: the rngs diverged (%x vs %x)", seed, a, b)
		}
	}
}

// Without RandAugment the float path skips the 8-bit rounding (one fused pass), so the two
// paths differ by the rounding alone: at most half a level, 0.5/(255·std) normalised.
func TestApplyBytesWithoutRandAugmentIsApplyRounded(t *testing.T) {
	cfg := DefaultTrainConfig()
	cfg.Size, cfg.ReProb, cfg.RandAugment = 40, 0, ""
	tr, err := NewTrain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := NewEval(EvalConfig{Size: 40, CropPct: 0.875, Interp: Bicubic, Mean: ImageNetMean, Std: ImageNetStd})
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(8) {
		img := syntheticYCbCr(120, 90+int(seed), seed)
		for name, apply := range map[string]func(rng *rand.Rand, f []float32, b []uint8) error{
			"train": func(rng *rand.Rand, f []float32, b []uint8) error {
				if err := tr.Apply(img, rng, f); err != nil {
					return err
				}
				return tr.ApplyBytes(img, newRNG(seed), b)
			},
			"eval": func(rng *rand.Rand, f []float32, b []uint8) error {
				if err := ev.Apply(img, rng, f); err != nil {
					return err
				}
				return ev.ApplyBytes(img, nil, b)
			},
		} {
			f := make([]float32, 40*40*3)
			b := make([]uint8, len(f))
			if err := apply(newRNG(seed), f, b); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, len(b))
			NormalizePixels(b, cfg.Mean, cfg.Std, got)
			var worst float64
			for i := range f {
				bound := 0.5/(255*float64(cfg.Std[i%3])) + 1e-5
				d := math.Abs(float64(got[i] - f[i]))
				if d > bound {
					t.Fatalf("%s seed %d: float %d: bytes give %v, Apply %v (|Δ| %.5f > %.5f)", name, seed, i, got[i], f[i], d, bound)
				}
				worst = max(worst, d)
			}
			if worst == 0 {
				t.Fatalf("%s seed %d: no rounding difference at all: the test image is too flat to check anything", name, seed)
			}
		}
	}
}

// Erasing on bytes draws what erasing on floats draws: same box, same rng state after, and
// every erased byte is the normal draw quantised (within half a level, unless clipped).
func TestRandomErasePixelsSameDrawsAsRandomErase(t *testing.T) {
	const h, w = 32, 24
	erased := 0
	for seed := range uint64(40) {
		f := make([]float32, h*w*3)
		b := make([]uint8, h*w*3)
		for i := range b {
			b[i] = 77
		}
		r1, r2 := newRNG(seed), newRNG(seed)
		t1, l1, h1, w1, ok1 := RandomErase(f, h, w, 3, 0.7, r1)
		t2, l2, h2, w2, ok2 := RandomErasePixels(b, h, w, 0.7, ImageNetMean, ImageNetStd, r2)
		if t1 != t2 || l1 != l2 || h1 != h2 || w1 != w2 || ok1 != ok2 {
			t.Fatalf("seed %d: boxes differ: %v %v %v %v %v vs %v %v %v %v %v", seed, t1, l1, h1, w1, ok1, t2, l2, h2, w2, ok2)
		}
		if a, c := r1.Uint64(), r2.Uint64(); a != c {
			t.Fatalf("seed %d: the rngs diverged", seed)
		}
		if !ok1 {
			continue
		}
		erased++
		for y := range h {
			for x := range w {
				in := y >= t1 && y < t1+h1 && x >= l1 && x < l1+w1
				for c := range 3 {
					i := (y*w+x)*3 + c
					if !in {
						if b[i] != 77 {
							t.Fatalf("seed %d: byte %d outside the box changed", seed, i)
						}
						continue
					}
					v := 255 * (float64(ImageNetMean[c]) + float64(ImageNetStd[c])*float64(f[i]))
					if v >= 0 && v <= 255 && math.Abs(float64(b[i])-v) > 0.5+1e-4 {
						t.Fatalf("seed %d: erased byte %d = %d, the draw %v gives %.3f", seed, i, b[i], f[i], v)
					}
					if (v < 0 && b[i] != 0) || (v > 255 && b[i] != 255) {
						t.Fatalf("seed %d: erased byte %d = %d, want the clipped %.1f", seed, i, b[i], v)
					}
				}
			}
		}
	}
	if erased < 15 {
		t.Fatalf("only %d of 40 images erased: the test checks too little", erased)
	}
}

// The distribution the model sees in an erased box, normalised: the numbers the comment of
// RandomErasePixels quotes.
func TestRandomErasePixelsDistribution(t *testing.T) {
	const h, w = 120, 120
	rng := newRNG(3)
	var n, clipped [3]int
	var sum, sum2 [3]float64
	b := make([]uint8, h*w*3)
	for range 200 {
		top, left, eh, ew, ok := RandomErasePixels(b, h, w, 1, ImageNetMean, ImageNetStd, rng)
		if !ok {
			continue
		}
		for y := top; y < top+eh; y++ {
			for i, q := range b[(y*w+left)*3 : (y*w+left+ew)*3] {
				c := i % 3
				if q == 0 || q == 255 {
					clipped[c]++
				}
				x := (float64(q)/255 - float64(ImageNetMean[c])) / float64(ImageNetStd[c])
				n[c]++
				sum[c] += x
				sum2[c] += x * x
			}
		}
	}
	for c := range 3 {
		mean := sum[c] / float64(n[c])
		variance := sum2[c]/float64(n[c]) - mean*mean
		frac := float64(clipped[c]) / float64(n[c])
		t.Logf("channel %d: %d values, mean %.4f, variance %.4f, %.2f%% on a bound", c, n[c], mean, variance, 100*frac)
		if n[c] < 100000 || math.Abs(mean) > 0.02 || variance < 0.92 || variance > 0.96 || frac < 0.025 || frac > 0.045 {
			t.Errorf("channel %d: mean %.4f, variance %.4f, %.2f%% clipped: not what RandomErasePixels documents", c, mean, variance, 100*frac)
		}
	}
}
