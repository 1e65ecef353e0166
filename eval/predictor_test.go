package eval

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/testbackend"
	"github.com/tfvision/tfvision/vision"
)

// TestPredictorSeesNewWeights: training keeps one Predictor and copies each epoch's weights
// into its store (SetValuePreservingOld, as train's validate does). The compiled graph must
// then give what a freshly built Predictor gives on the new weights, not the old logits: a
// graph that folded the weights in as constants fails here.
func TestPredictorSeesNewWeights(t *testing.T) {
	b := testbackend.Go(t)
	m, err := vision.New(vision.Config{Kind: vision.KindTokenFormer, ImageSize: 8, Patch: 4, Channels: 3, Dim: 16,
		Depth: 1, Heads: 2, NumClasses: 4, QKVTokens: 8, ProjTokens: 8, FFNTokens: 16})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Build(b, store, 1); err != nil {
		t.Fatal(err)
	}
	images := make([]float32, 2*8*8*3)
	for i := range images {
		images[i] = float32(math.Cos(float64(i) * 0.21))
	}
	p, err := NewPredictor(b, m, store, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Finalize()
	before, err := p.Logits(images, 2)
	if err != nil {
		t.Fatal(err)
	}
	// New weights: every head weight ×3 and every head bias +1.
	for _, name := range []string{"/head/weights", "/head/bias"} {
		v := store.GetVariable(name)
		vals := tensors.MustCopyFlatData[float32](v.MustValue())
		for i := range vals {
			if name == "/head/bias" {
				vals[i]++
			} else {
				vals[i] *= 3
			}
		}
		if err := v.SetValuePreservingOld(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...)); err != nil {
			t.Fatal(err)
		}
	}
	after, err := p.Logits(images, 2)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := NewPredictor(b, m, store, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Finalize()
	want, err := fresh.Logits(images, 2)
	if err != nil {
		t.Fatal(err)
	}
	var moved float64
	for i := range want {
		for j := range want[i] {
			moved = math.Max(moved, math.Abs(float64(after[i][j]-before[i][j])))
			if math.Abs(float64(after[i][j]-want[i][j])) > 1e-5 {
				t.Fatalf("image %d class %d: the reused predictor gives %g, a fresh one %g (before the change: %g)",
					i, j, after[i][j], want[i][j], before[i][j])
			}
		}
	}
	if moved < 0.5 { // the bias alone moves every logit by 1
		t.Errorf("logits moved at most %g after the head changed", moved)
	}
}
