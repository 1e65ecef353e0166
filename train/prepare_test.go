package train

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/vision"
)

// newTinyStepper builds a 2-block TokenFormer on 8×8 images (drop path and EMA on, so the RNG
// state and every kind of optimizer variable take part) from fixed seeds.
func newTinyStepper(t *testing.T, accum int) (*Stepper, *model.Store) {
	t.Helper()
	b := goBackend(t)
	m, err := vision.New(vision.Config{Kind: vision.KindTokenFormer, ImageSize: 8, Patch: 4, Channels: 3, Dim: 16, Depth: 2,
		Heads: 2, NumClasses: 3, QKVTokens: 8, ProjTokens: 8, FFNTokens: 16, DropPath: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Build(b, store, 1); err != nil {
		t.Fatal(err)
	}
	if err := store.SetRNGStateFromSeed(7); err != nil {
		t.Fatal(err)
	}
	st, err := NewStepper(b, m, store, AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05, EMADecay: 0.9}, accum)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Finalize)
	return st, store
}

// tinyMicro is a deterministic micro-batch of n 8×8×3 images; seed varies the content.
func tinyMicro(n, size, seed int) MicroBatch {
	imgs := make([]float32, n*size*size*3)
	for i := range imgs {
		imgs[i] = float32(math.Sin(float64(i)*0.37 + float64(seed)))
	}
	targets := make([]float32, n*3)
	weights := make([]float32, n)
	for i := range n {
		targets[i*3+(i+seed)%3] = 1
		weights[i] = 1
	}
	weights[n-1] = 0 // a padding row
	return MicroBatch{Images: tensors.FromFlatDataAndDimensions(imgs, n, size, size, 3),
		Targets: tensors.FromFlatDataAndDimensions(targets, n, 3), Weights: tensors.FromFlatDataAndDimensions(weights, n)}
}

func storeBytes(t *testing.T, store *model.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for v := range store.IterVariables() {
		if err := v.MustValue().ConstBytes(func(b []byte) { out[v.Path()] = string(b) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestStepPreparedMatchesStep: the same batches through Step and through Prepare +
// StepPrepared give bit-identical losses, gradient norms and variables (weights, moments,
// EMA, RNG state), with and without accumulation; prepared inputs are freed once used, while
// Step leaves the caller's tensors usable.
func TestStepPreparedMatchesStep(t *testing.T) {
	for _, accum := range []int{1, 2} {
		direct, directStore := newTinyStepper(t, accum)
		staged, stagedStore := newTinyStepper(t, accum)
		batches := func(step int) []MicroBatch {
			var mbs []MicroBatch
			for i := range accum {
				mbs = append(mbs, tinyMicro(4, 8, 10*step+i))
			}
			return mbs
		}
		for step := range 2 {
			mbs := batches(step)
			l1, g1, err := direct.Step(mbs, 1e-2)
			if err != nil {
				t.Fatal(err)
			}
			if !mbs[0].Images.Ok() {
				t.Errorf("accum %d: Step freed the caller's tensors", accum)
			}
			p, err := staged.Prepare(batches(step))
			if err != nil {
				t.Fatal(err)
			}
			l2, g2, err := staged.StepPrepared(p, 1e-2)
			if err != nil {
				t.Fatal(err)
			}
			if l1 != l2 || g1 != g2 {
				t.Errorf("accum %d step %d: Step gave loss %v, norm %v; StepPrepared %v, %v", accum, step, l1, g1, l2, g2)
			}
			for i, m := range p.micro {
				if m.owned != nil {
					t.Errorf("accum %d: micro-batch %d inputs still held after the step", accum, i)
				}
			}
			if _, _, err := staged.StepPrepared(p, 1e-2); err == nil || !strings.Contains(err.Error(), "already used") {
				t.Errorf("accum %d: running a Prepared twice: %v, want an 'already used' error", accum, err)
			}
		}
		a, b := storeBytes(t, directStore), storeBytes(t, stagedStore)
		if len(a) != len(b) {
			t.Fatalf("accum %d: %d vs %d variables", accum, len(a), len(b))
		}
		for path, v := range a {
			if b[path] != v {
				t.Errorf("accum %d: %s differs between Step and StepPrepared", accum, path)
			}
		}
	}
}

// TestPrepareRefusesWhatTheGraphDoesNotExpect: the wrong number of micro-batches, a batch size
// other than the one the step graph was built for, wrong shapes, unequal accumulated
// micro-batches and reuse are errors that say what is wrong, not a recompile or a panic.
func TestPrepareRefusesWhatTheGraphDoesNotExpect(t *testing.T) {
	st, _ := newTinyStepper(t, 1)
	st2, _ := newTinyStepper(t, 2)
	expectErr := func(what string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got error %v, want one containing %q", what, err, want)
		}
	}
	_, err := st2.Prepare([]MicroBatch{tinyMicro(4, 8, 0)})
	expectErr("1 micro-batch with accum 2", err, "got 1 micro-batches, want accum_steps = 2")
	_, err = st2.Prepare([]MicroBatch{tinyMicro(4, 8, 0), tinyMicro(2, 8, 1)})
	expectErr("unequal micro-batches", err, "micro-batch 1 holds 2 examples but micro-batch 0 holds 4")
	_, err = st.Prepare([]MicroBatch{tinyMicro(4, 16, 0)})
	expectErr("16×16 images for an 8×8 model", err, "images have shape")
	bad := tinyMicro(4, 8, 0)
	bad.Targets = tensors.FromFlatDataAndDimensions(make([]float32, 8), 4, 2)
	_, err = st.Prepare([]MicroBatch{bad})
	expectErr("2 target classes for a 3-class model", err, "targets have shape")

	p, err := st.Prepare([]MicroBatch{tinyMicro(4, 8, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.StepPrepared(p, 1e-3); err != nil {
		t.Fatal(err)
	}
	_, err = st.Prepare([]MicroBatch{tinyMicro(6, 8, 1)})
	expectErr("batch 6 after a step of 4", err, "micro-batch of 6 examples, but the step graph was built for 4")
	_, _, err = st.Step([]MicroBatch{tinyMicro(6, 8, 1)}, 1e-3)
	expectErr("Step with batch 6 after 4", err, "built for 4")

	mb := tinyMicro(4, 8, 2)
	p, err = st.Prepare([]MicroBatch{mb})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
	if mb.Images.Ok() {
		t.Errorf("Release left the prepared images allocated")
	}
	_, _, err = st.StepPrepared(p, 1e-3)
	expectErr("StepPrepared after Release", err, "already used or released")
	_, err = st.Prepare([]MicroBatch{mb})
	expectErr("Prepare of freed tensors", err, "micro-batch 0 images")

	p, err = st.Prepare([]MicroBatch{tinyMicro(4, 8, 3)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Release() })
	other, _ := newTinyStepper(t, 1)
	_, _, err = other.StepPrepared(p, 1e-3)
	expectErr("a Prepared from another Stepper", err, "prepared by another Stepper")
}
