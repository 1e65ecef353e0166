package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/internal/fakefused"
)

// TestParityNumericsGuardTheFusedPath compares a backend with fused attention (as XLA-CUDA
// has) against the pure-Go one: the bf16 checks must take the fused path and pass; with a
// backward that drops the score scale (a plausible kernel bug) the gradient check must fail,
// naming parameters, while the forward checks still pass.
func TestParityNumericsGuardTheFusedPath(t *testing.T) {
	ref, err := backend.Open("go", backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := fakefused.New(ref)
	res := parityResult{Tolerance: 2e-2}
	if err := parityNumerics(ref, good, &res, io.Discard); err != nil {
		t.Fatal(err)
	}
	if res.AttentionBF16 != "fused" || good.VJP.Load() == 0 {
		t.Fatalf("attention_bf16 = %q with %d fused VJPs built: the fused path was not exercised", res.AttentionBF16, good.VJP.Load())
	}
	if len(res.Failures) > 0 || !res.LogitsOK || !res.BF16GradsOK || !res.BF16LogitsOK {
		t.Fatalf("a correct fused kernel failed parity: %v", res.Failures)
	}
	if res.BF16GradCosine < 0.999 {
		t.Errorf("bf16 gradient cosine %.5f, want ≥ 0.999", res.BF16GradCosine)
	}

	broken := fakefused.New(ref)
	broken.BrokenVJP = true
	res = parityResult{Tolerance: 2e-2}
	if err := parityNumerics(ref, broken, &res, io.Discard); err != nil {
		t.Fatal(err)
	}
	if res.BF16GradsOK || !res.BF16LogitsOK {
		t.Fatalf("broken backward: grads_ok %v, logits_ok %v; want false, true", res.BF16GradsOK, res.BF16LogitsOK)
	}
	if !strings.Contains(strings.Join(res.Failures, ";"), "bf16 gradient of /block_") {
		t.Errorf("failures %v should name the block parameters whose gradients are off", res.Failures)
	}
}

// TestCheckParityCommand runs the whole command, pure Go against itself: identical f32
// logits, bf16 within its own noise, training in both precisions, and the JSON written.
func TestCheckParityCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parity.json")
	r := runCLI(t, "", "check", "parity", "--backend", "go", "--json", path)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stdout)
	}
	if !strings.Contains(r.stdout, "parity OK") {
		t.Errorf("stdout lacks 'parity OK':\n%s", r.stdout)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res parityResult
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res.MaxAbsDiff != 0 || res.AttentionBF16 != "decomposed" || res.BF16LogitsErr != res.BF16LogitsErrGo {
		t.Errorf("go vs go: max diff %g, attention %q, bf16 err %g vs %g; want 0, decomposed, equal",
			res.MaxAbsDiff, res.AttentionBF16, res.BF16LogitsErr, res.BF16LogitsErrGo)
	}
	if !res.TrainingOK || !res.BF16TrainingOK || res.BF16LossAfter20 >= 0.7*res.BF16LossFirst || len(res.Failures) != 0 {
		t.Errorf("training: f32 %v (%.3f → %.3f), bf16 %v (%.3f → %.3f), failures %v", res.TrainingOK, res.LossFirst,
			res.LossAfter20, res.BF16TrainingOK, res.BF16LossFirst, res.BF16LossAfter20, res.Failures)
	}
}
