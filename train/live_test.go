package train

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/vision"
)

// TestStepsReadTheWeightsTheyUpdated: every compiled step must start from the weights the
// previous step left. A fresh, uncompiled LossAndGradients on the current store gives the
// loss the next step has to report; a step graph that baked its variables in as constants
// (the pure-Go backend does that to graphs not read live) reports the first step's loss
// again, keeps the step count at 1 and leaves the EMA at its start. Checked with and
// without gradient accumulation.
func TestStepsReadTheWeightsTheyUpdated(t *testing.T) {
	b := goBackend(t)
	const ema = 0.5
	for _, accum := range []int{1, 2} {
		m, err := vision.New(vision.Config{Kind: vision.KindTokenFormer, ImageSize: 8, Patch: 4, Channels: 3, Dim: 16,
			Depth: 2, Heads: 2, NumClasses: 3, QKVTokens: 8, ProjTokens: 8, FFNTokens: 16})
		if err != nil {
			t.Fatal(err)
		}
		store := model.NewStore()
		if err := m.Build(b, store, 5); err != nil {
			t.Fatal(err)
		}
		st, err := NewStepper(b, m, store, AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, EMADecay: ema}, accum)
		if err != nil {
			t.Fatal(err)
		}
		micro := make([]MicroBatch, accum)
		for i := range micro {
			micro[i] = tinyMicro(4, 8, 0) // the same batch: only the weights change the loss
		}
		head := "/head/weights"
		prevEMA := flat(t, store, EMAScope+head)
		for step := 1; step <= 3; step++ {
			want, _, err := LossAndGradients(b, m, store, micro[0])
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := st.Step(micro, 0.05)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-want) > 1e-5*math.Abs(want) {
				t.Errorf("accum %d, step %d: the step reports loss %.6f, the current weights give %.6f: it read stale weights",
					accum, step, got, want)
			}
			if n := StepCount(store); n != int64(step) {
				t.Errorf("accum %d: step count %d after %d steps", accum, n, step)
			}
			w, e := flat(t, store, head), flat(t, store, EMAScope+head)
			for i := range w {
				if wantE := ema*prevEMA[i] + (1-ema)*w[i]; math.Abs(float64(e[i]-wantE)) > 1e-6 {
					t.Fatalf("accum %d, step %d: EMA[%d] = %g, want %g·%g + %g·%g = %g", accum, step, i, e[i], ema,
						prevEMA[i], 1-ema, w[i], wantE)
				}
			}
			prevEMA = e
		}
		st.Finalize()
	}
}

// flat copies a variable's values; it fails t if the path is not in the store.
func flat(t *testing.T, store *model.Store, path string) []float32 {
	t.Helper()
	v := store.GetVariable(path)
	if v == nil {
		t.Fatalf("no variable %s", path)
	}
	return tensors.MustCopyFlatData[float32](v.MustValue())
}
