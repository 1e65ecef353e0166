package train

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/vision"
)

// BenchmarkPixelsToImages: the 8-bit input graph on the Go backend (normalisation alone, and
// with the Mixup blend) against the host's normalisation loop, for a 128×112×112 batch: why
// data.batches auto keeps float32 batches on this backend.
func BenchmarkPixelsToImages(b *testing.B) {
	be := goBackend(b)
	const n, s = 128, 112
	norm := configs.PixelNormOf(augment.ImageNetMean, augment.ImageNetStd)
	px := randomPixels(n, s, s, 1)
	plan := augment.NoMixPlan(n)
	mix := []float32{plan.Self, plan.Other}
	norOnly := MustNewExec(be, func(p *Node) *Node { return vision.PixelsToImages(p, nil, nil, norm) })
	withMix := MustNewExec(be, func(p, partner, mix *Node) *Node { return vision.PixelsToImages(p, partner, mix, norm) })
	b.Run("normalise", func(b *testing.B) {
		for b.Loop() {
			out := norOnly.MustExec1(tensors.FromFlatDataAndDimensions(px, n, s, s, 3))
			out.FinalizeAll()
		}
	})
	b.Run("normalise+mix", func(b *testing.B) {
		for b.Loop() {
			out := withMix.MustExec1(tensors.FromFlatDataAndDimensions(px, n, s, s, 3), tensors.FromFlatDataAndDimensions(plan.Partner, n),
				tensors.FromFlatDataAndDimensions(mix, 2))
			out.FinalizeAll()
		}
	})
	b.Run("host", func(b *testing.B) {
		dst := make([]float32, len(px))
		for b.Loop() {
			augment.NormalizePixels(px, augment.ImageNetMean, augment.ImageNetStd, dst)
		}
	})
}
