package train

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/vision"
)

// TestAccumulationEqualsOneBigBatch: two micro-batches of 4 with accum_steps 2 must update
// the weights as one batch of 8 does (mean loss over equal halves = mean over the whole).
func TestAccumulationEqualsOneBigBatch(t *testing.T) {
	b := goBackend(t)
	cfg := vision.Config{Kind: vision.KindTokenFormer, ImageSize: 8, Patch: 4, Channels: 3, Dim: 16, Depth: 1, Heads: 2,
		NumClasses: 3, QKVTokens: 8, ProjTokens: 8, FFNTokens: 16}
	const n = 8
	imgs := make([]float32, n*8*8*3)
	for i := range imgs {
		imgs[i] = float32(math.Sin(float64(i) * 0.37))
	}
	targets := make([]float32, n*3)
	weights := make([]float32, n)
	for i := 0; i < n; i++ {
		targets[i*3+i%3] = 1
		weights[i] = 1
	}
	per := 8 * 8 * 3
	mb := func(lo, hi int) MicroBatch {
		return MicroBatch{Images: tensors.FromFlatDataAndDimensions(append([]float32(nil), imgs[lo*per:hi*per]...), hi-lo, 8, 8, 3),
			Targets: tensors.FromFlatDataAndDimensions(append([]float32(nil), targets[lo*3:hi*3]...), hi-lo, 3),
			Weights: tensors.FromFlatDataAndDimensions(append([]float32(nil), weights[lo:hi]...), hi-lo)}
	}
	run := func(accum int, batches []MicroBatch) (map[string][]float32, float64) {
		m, _ := vision.New(cfg)
		store := model.NewStore()
		if err := m.Build(b, store, 1); err != nil {
			t.Fatal(err)
		}
		st, err := NewStepper(b, m, store, AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1, WeightDecay: 0.1}, accum)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Finalize()
		loss, _, err := st.Step(batches, 1e-2)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]float32{}
		for _, v := range ModelVars(store) {
			out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
		}
		return out, loss
	}
	one, l1 := run(1, []MicroBatch{mb(0, 8)})
	two, l2 := run(2, []MicroBatch{mb(0, 4), mb(4, 8)})
	if math.Abs(l1-l2) > 1e-5 {
		t.Errorf("loss %.7f (batch 8) vs %.7f (2 × 4 accumulated)", l1, l2)
	}
	for p, a := range one {
		for i := range a {
			if d := math.Abs(float64(a[i] - two[p][i])); d > 2e-5 {
				t.Fatalf("%s[%d]: %.7f vs %.7f after one step", p, i, a[i], two[p][i])
			}
		}
	}
}
