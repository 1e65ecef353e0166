package augment

import (
	"testing"
)

// The 8-bit counterparts of BenchmarkTrainTransform and BenchmarkEvalTransform (same image,
// same seeds): what a loader worker spends per image on either kind of batch.
func benchTransformBytes(b *testing.B, tr pixelTransform) {
	h, w := tr.Size()
	benchApply(b, h*w*3, tr.ApplyBytes)
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
