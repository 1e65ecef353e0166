package train

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/vision"
)

// TestLossAndGradientsAgreeWithTheStepper: on the same weights and batch, the loss equals
// the one the first optimizer step reports, and the gradients' global norm equals the
// step's pre-clipping gradient norm; the store is left untouched.
func TestLossAndGradientsAgreeWithTheStepper(t *testing.T) {
	b := goBackend(t)
	cfg := vision.Config{Kind: vision.KindTokenFormer, ImageSize: 8, Patch: 4, Channels: 3, Dim: 16, Depth: 2, Heads: 2,
		NumClasses: 3, QKVTokens: 8, ProjTokens: 8, FFNTokens: 16}
	const n = 4
	batch := func() MicroBatch {
		imgs := make([]float32, n*8*8*3)
		for i := range imgs {
			imgs[i] = float32(math.Sin(float64(i) * 0.31))
		}
		targets := make([]float32, n*3)
		for i := 0; i < n; i++ {
			targets[i*3+i%3] = 1
		}
		return MicroBatch{Images: tensors.FromFlatDataAndDimensions(imgs, n, 8, 8, 3),
			Targets: tensors.FromFlatDataAndDimensions(targets, n, 3),
			Weights: tensors.FromFlatDataAndDimensions([]float32{1, 1, 1, 0}, n)}
	}
	fresh := func() (*vision.Model, *model.Store) {
		m, _ := vision.New(cfg)
		store := model.NewStore()
		if err := m.Build(b, store, 3); err != nil {
			t.Fatal(err)
		}
		return m, store
	}
	m, store := fresh()
	loss, grads, err := LossAndGradients(b, m, store, batch())
	if err != nil {
		t.Fatal(err)
	}
	vars := ModelVars(store)
	if len(grads) != len(vars) {
		t.Fatalf("%d gradients for %d variables", len(grads), len(vars))
	}
	var sq float64
	for _, v := range vars {
		g := grads[v.Path()]
		if len(g) != v.Shape().Size() {
			t.Fatalf("%s: gradient has %d values, variable %d", v.Path(), len(g), v.Shape().Size())
		}
		for _, x := range g {
			sq += float64(x) * float64(x)
		}
	}

	m2, store2 := fresh()
	st, err := NewStepper(b, m2, store2, AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, ClipNorm: 1e-3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Finalize()
	stepLoss, gnorm, err := st.Step([]MicroBatch{batch()}, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-stepLoss) > 1e-6*math.Abs(stepLoss) {
		t.Errorf("loss %.8f, first step reports %.8f", loss, stepLoss)
	}
	if norm := math.Sqrt(sq); math.Abs(norm-gnorm) > 1e-4*gnorm {
		t.Errorf("gradient norm %.6f, step reports %.6f", norm, gnorm)
	}
	again, _, err := LossAndGradients(b, m, store, batch())
	if err != nil || again != loss {
		t.Errorf("a second call gave loss %v (%v), want %v: the weights must not move", again, err, loss)
	}
}
