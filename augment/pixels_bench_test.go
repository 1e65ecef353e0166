package augment

import (
	"testing"

	"github.com/tfvision/tfvision/internal/cputime"
)

// The 8-bit counterparts of BenchmarkTrainTransform and BenchmarkEvalTransform (same image,
// same seeds): what a loader worker spends per image on either kind of batch.
func benchTransformBytes(b *testing.B, tr pixelTransform) {
	img := syntheticYCbCr(500, 375, 1)
	h, w := tr.Size()
	dst := make([]uint8, h*w*3)
	b.ReportAllocs()
	c0 := cputime.Seconds()
	for i := 0; b.Loop(); i++ {
		if err := tr.ApplyBytes(img, newRNG(uint64(i)), dst); err != nil {
			b.Fatal(err)
		}
	}
	report(b, c0)
}

func BenchmarkTrainTransformBytes(b *testing.B) {
	b.Run("recipe", func(b *testing.B) {
		tr, _ := NewTrain(DefaultTrainConfig())
		benchTransformBytes(b, tr)
	})
	b.Run("rrc_flip_bicubic", func(b *testing.B) {
		cfg := DefaultTrainConfig()
		cfg.RandAugment, cfg.ReProb = "", 0
		tr, _ := NewTrain(cfg)
		benchTransformBytes(b, tr)
	})
}

func BenchmarkEvalTransformBytes(b *testing.B) {
	ev, _ := NewEval(DefaultEvalConfig())
	benchTransformBytes(b, ev)
}
