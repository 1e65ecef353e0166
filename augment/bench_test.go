package augment

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/tfvision/tfvision/internal/cputime"
)

// The benchmarks use a synthetic 500×375 4:2:0 *image.YCbCr (the median
// ImageNet image as image/jpeg decodes it) and a 224 output. Reported ns/op is
// per image on one core; images/s per core = 1e9 / ns/op.

func benchTransform(b *testing.B, tr transform) {
	h, w := tr.Size()
	benchApply(b, h*w*3, tr.Apply)
}

// benchApply times apply on the synthetic photo into a dst of n elements, one seed per
// image (float or 8-bit output alike).
func benchApply[T float32 | uint8](b *testing.B, n int, apply func(image.Image, *rand.Rand, []T) error) {
	img := syntheticYCbCr(500, 375, 1)
	dst := make([]T, n)
	b.ReportAllocs()
	c0 := cputime.Seconds()
	for i := 0; b.Loop(); i++ {
		if err := apply(img, newRNG(uint64(i)), dst); err != nil {
			b.Fatal(err)
		}
	}
	report(b, c0)
}

// report adds images/s (wall) and CPU ns per image (robust to other load;
// run with -cpu 1 for per-core numbers).
func report(b *testing.B, cpu0 float64) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
	if c := cputime.Seconds() - cpu0; c > 0 {
		b.ReportMetric(c*1e9/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkTrainTransform: the full recipe (bicubic RRC + flip, RandAugment
// rand-m9-mstd0.5-inc1, random erasing 0.25), and the fused path alone.
func BenchmarkTrainTransform(b *testing.B) {
	b.Run("recipe", func(b *testing.B) {
		tr, _ := NewTrain(DefaultTrainConfig())
		benchTransform(b, tr)
	})
	b.Run("rrc_flip_bicubic", func(b *testing.B) {
		cfg := DefaultTrainConfig()
		cfg.RandAugment, cfg.ReProb = "", 0
		tr, _ := NewTrain(cfg)
		benchTransform(b, tr)
	})
}

func BenchmarkEvalTransform(b *testing.B) {
	ev, _ := NewEval(DefaultEvalConfig())
	benchTransform(b, ev)
}

// BenchmarkImagingPath does the RRC + flip + normalise job with the imaging
// library (imaging.Crop, imaging.Resize with CatmullRom, imaging.FlipH), the
// boxes drawn from the same seeds, to compare with rrc_flip_bicubic above;
// and the eval job (imaging.Resize short side to 256 + CropCenter 224).
func BenchmarkImagingPath(b *testing.B) {
	img := syntheticYCbCr(500, 375, 1)
	nm := newNormalizer(ImageNetMean, ImageNetStd)
	dst := make([]float32, 224*224*3)
	cfg := DefaultTrainConfig()
	b.Run("train", func(b *testing.B) {
		b.ReportAllocs()
		c0 := cputime.Seconds()
		for i := 0; b.Loop(); i++ {
			rng := newRNG(uint64(i))
			box := SampleRRCBox(500, 375, cfg.Scale, cfg.Ratio, rng)
			out := imaging.Resize(imaging.Crop(img, box), 224, 224, imaging.CatmullRom)
			if rng.Float64() < 0.5 {
				out = imaging.FlipH(out)
			}
			nm.normalizeNRGBA(out, dst)
		}
		report(b, c0)
	})
	b.Run("eval", func(b *testing.B) {
		b.ReportAllocs()
		c0 := cputime.Seconds()
		for b.Loop() {
			out := imaging.CropCenter(imaging.Resize(img, 0, 256, imaging.CatmullRom), 224, 224)
			nm.normalizeNRGBA(out, dst)
		}
		report(b, c0)
	})
}
