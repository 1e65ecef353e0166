package train

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/vision"
)

// TestBF16TracksF32 trains the same tiny TokenFormer from the same weights on the same batch
// in float32 and in bf16 mixed precision (bf16 matmuls/activations, float32 master weights,
// norms, softmax statistics and loss): the first loss must agree within 2% and the loss
// after 15 AdamW steps within 0.05 absolute, and both must have learned.
func TestBF16TracksF32(t *testing.T) {
	b := goBackend(t)
	cfg := vision.Config{Kind: vision.KindTokenFormer, ImageSize: 16, Patch: 4, Channels: 3, Dim: 32, Depth: 2, Heads: 2,
		NumClasses: 4, QKVTokens: 16, ProjTokens: 16, FFNTokens: 32}
	run := func(dt dtypes.DType) []float64 {
		m, _ := vision.New(cfg)
		m.DType = dt
		store := model.NewStore()
		if err := m.Build(b, store, 5); err != nil {
			t.Fatal(err)
		}
		st, err := NewStepper(b, m, store, AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Finalize()
		const n = 8
		imgs := make([]float32, n*16*16*3)
		for i := range imgs {
			k := i / (16 * 16 * 3)
			imgs[i] = float32(math.Sin(float64(i%768)*0.05*float64(k%4+1)) + 0.2*math.Cos(float64(i)*0.7))
		}
		targets := make([]float32, n*4)
		weights := make([]float32, n)
		for i := 0; i < n; i++ {
			targets[i*4+i%4] = 1
			weights[i] = 1
		}
		mb := []MicroBatch{{Images: tensors.FromFlatDataAndDimensions(imgs, n, 16, 16, 3),
			Targets: tensors.FromFlatDataAndDimensions(targets, n, 4), Weights: tensors.FromFlatDataAndDimensions(weights, n)}}
		var losses []float64
		for i := 0; i < 15; i++ {
			l, _, err := st.Step(mb, 3e-3)
			if err != nil {
				t.Fatal(err)
			}
			losses = append(losses, l)
		}
		for _, v := range ModelVars(store) {
			if v.DType() != dtypes.Float32 {
				t.Errorf("%s: master weight is %s, want float32", v.Path(), v.DType())
			}
		}
		return losses
	}
	f32, bf16 := run(dtypes.Float32), run(dtypes.BFloat16)
	if d := math.Abs(f32[0]-bf16[0]) / f32[0]; d > 0.02 {
		t.Errorf("first loss: f32 %.4f vs bf16 %.4f (%.1f%% apart, want ≤ 2%%)", f32[0], bf16[0], 100*d)
	}
	last := len(f32) - 1
	if d := math.Abs(f32[last] - bf16[last]); d > 0.05 {
		t.Errorf("loss after 15 steps: f32 %.4f vs bf16 %.4f (want within 0.05)", f32[last], bf16[last])
	}
	if f32[last] > 0.6*f32[0] || bf16[last] > 0.6*bf16[0] {
		t.Errorf("did not learn: f32 %.3f→%.3f, bf16 %.3f→%.3f", f32[0], f32[last], bf16[0], bf16[last])
	}
	t.Logf("f32 %.4f→%.4f, bf16 %.4f→%.4f", f32[0], f32[last], bf16[0], bf16[last])
}
