package train

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/vision"
)

// Steps on 8-bit pixels. The loader's batches stay uint8 up to the device, a quarter of the
// bytes of normalised floats; the step graph normalises them and applies the batch's Mixup
// (vision.PixelsToImages) before the model. CutMix and the soft targets are still done on
// the host, from the same draws (augment.Mixer.ApplyPixels), so a run mixes as the float
// path does.

// stepImages is what the model sees of a step's image input: float images as they are,
// 8-bit pixels normalised in the graph. The fused and micro Execs compile one graph per
// input shape, dtype included, so the same Exec serves both kinds of batch (as
// eval.Predictor does).
func (s *Stepper) stepImages(images *Node) *Node {
	if images.DType() == dtypes.Uint8 {
		return vision.PixelsToImages(images, nil, nil, s.PixelNorm)
	}
	return images
}

func (s *Stepper) fusedMixGraph(scope *model.Scope, pixels, partner, mix, targets, weights, lr *Node) (*Node, *Node) {
	return s.fusedGraph(scope, vision.PixelsToImages(pixels, partner, mix, s.PixelNorm), targets, weights, lr)
}

func (s *Stepper) microMixGraph(scope *model.Scope, pixels, partner, mix, targets, weights *Node) *Node {
	return s.microGraph(scope, vision.PixelsToImages(pixels, partner, mix, s.PixelNorm), targets, weights)
}

// PixelMicroBatch makes a micro-batch of n images of h×w 8-bit pixels (HWC RGB), blended in
// the graph per plan unless plan is nil (a run without Mixup: no mixing ops at all), with
// soft targets [n, classes] and weights [n].
func PixelMicroBatch(pixels []uint8, n, h, w int, plan *augment.MixPlan, targets, weights []float32, classes int) MicroBatch {
	mb := MicroBatch{
		Pixels:  tensors.FromFlatDataAndDimensions(pixels, n, h, w, 3),
		Targets: tensors.FromFlatDataAndDimensions(targets, n, classes),
		Weights: tensors.FromFlatDataAndDimensions(weights, n),
	}
	if plan != nil {
		mb.Partner = tensors.FromFlatDataAndDimensions(plan.Partner, n)
		mb.Mix = tensors.FromFlatDataAndDimensions([]float32{plan.Self, plan.Other}, 2)
	}
	return mb
}

// The three kinds of micro-batch. Float images and unmixed pixels share the fused and
// micro Execs (stepImages); mixed pixels have more inputs, so Execs of their own.
const (
	floatInputs = iota
	pixelInputs
	mixedPixelInputs
)

func (mb MicroBatch) kind() int {
	switch {
	case mb.Pixels == nil:
		return floatInputs
	case mb.Partner == nil && mb.Mix == nil:
		return pixelInputs
	}
	return mixedPixelInputs
}

func (mb MicroBatch) isPixels() bool { return mb.Pixels != nil }

// args is the micro-batch's Exec arguments in graph order, and which are split over the
// devices on their first axis (the blend weights are the whole batch's: replicated).
func (mb MicroBatch) args() (ts []*tensors.Tensor, batchMajor []bool) {
	switch mb.kind() {
	case pixelInputs:
		return []*tensors.Tensor{mb.Pixels, mb.Targets, mb.Weights}, []bool{true, true, true}
	case mixedPixelInputs:
		return []*tensors.Tensor{mb.Pixels, mb.Partner, mb.Mix, mb.Targets, mb.Weights}, []bool{true, true, false, true, true}
	}
	return []*tensors.Tensor{mb.Images, mb.Targets, mb.Weights}, []bool{true, true, true}
}

// execs are the step graphs (fused, micro) for micro-batches of kind k.
func (s *Stepper) execs(k int) (fused, micro *model.Exec) {
	if k == mixedPixelInputs {
		return s.fusedMix, s.microMix
	}
	return s.fused, s.micro
}

// checkPixelInputs is checkMicro's shape check of a pixel micro-batch's own inputs.
func (s *Stepper) checkPixelInputs(i, n int, mb MicroBatch) error {
	if mb.Images != nil {
		return fmt.Errorf("train step: micro-batch %d has both images and pixels", i)
	}
	if !s.PixelNorm.Valid() {
		return fmt.Errorf("train step: micro-batch %d holds pixels but the Stepper has no PixelNorm", i)
	}
	if mb.kind() == pixelInputs {
		return nil
	}
	for _, in := range []struct {
		name string
		t    *tensors.Tensor
		want shapes.Shape
	}{
		{"partner", mb.Partner, shapes.Make(dtypes.Int32, n)},
		{"mix", mb.Mix, shapes.Make(dtypes.Float32, 2)},
	} {
		if err := in.t.CheckValid(); err != nil {
			return fmt.Errorf("train step: micro-batch %d %s: %w", i, in.name, err)
		}
		if got := in.t.Shape(); !got.Equal(in.want) {
			return fmt.Errorf("train step: micro-batch %d %s have shape %s, want %s", i, in.name, got, in.want)
		}
	}
	return nil
}
