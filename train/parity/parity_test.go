package parity

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/internal/fakefused"
)

func goBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := backend.Open("go", backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNumericsGuardTheFusedPath compares a backend with fused attention (as XLA-CUDA
// has) against the pure-Go one: the bf16 checks must take the fused path and pass; with a
// backward that drops the score scale (a plausible kernel bug) the gradient check must fail,
// naming parameters, while the forward checks still pass.
func TestNumericsGuardTheFusedPath(t *testing.T) {
	ref := goBackend(t)
	good := fakefused.New(ref)
	res := Result{Tolerance: DefaultTolerance}
	if err := numerics(ref, good, &res, func(string) {}); err != nil {
		t.Fatal(err)
	}
	if res.AttentionBF16 != "fused" || good.VJP.Load() == 0 {
		t.Fatalf("attention_bf16 = %q with %d fused VJPs built: the fused path was not exercised", res.AttentionBF16, good.VJP.Load())
	}
	if len(res.Failures) > 0 || !res.LogitsOK || !res.BF16GradsOK || !res.BF16LogitsOK {
		t.Fatalf("a correct fused kernel failed parity: %v", res.Failures)
	}
	if res.RelativeDiff > 1e-5 {
		t.Errorf("f32 logits relative diff %.3g: the f32 path should be the reference's math", res.RelativeDiff)
	}
	// bf16 rounds (~1e-2 here): an error of 0 would mean the target silently ran in f32.
	if res.BF16LogitsErr < 1e-3 || res.BF16LogitsErr > NoiseFactor*res.BF16LogitsErrGo+NoiseFloor {
		t.Errorf("fused bf16 logits error %.3g, want in [1e-3, %d×%.3g+%g]", res.BF16LogitsErr, NoiseFactor, res.BF16LogitsErrGo, NoiseFloor)
	}
	if res.BF16GradCosine < 0.999 {
		t.Errorf("bf16 gradient cosine %.5f, want ≥ 0.999", res.BF16GradCosine)
	}
	if res.BF16GradWorstErr > NoiseFactor*res.BF16GradWorstErrGo+NoiseFloor {
		t.Errorf("worst bf16 gradient %s: error %.3g, pure-Go %.3g: a correct kernel should be within the noise",
			res.BF16GradWorstVar, res.BF16GradWorstErr, res.BF16GradWorstErrGo)
	}

	broken := fakefused.New(ref)
	broken.BrokenVJP = true
	bad := Result{Tolerance: DefaultTolerance}
	if err := numerics(ref, broken, &bad, func(string) {}); err != nil {
		t.Fatal(err)
	}
	if bad.BF16GradsOK || !bad.BF16LogitsOK || !bad.LogitsOK {
		t.Fatalf("broken backward: grads_ok %v, bf16 logits_ok %v, f32 logits_ok %v; want false, true, true",
			bad.BF16GradsOK, bad.BF16LogitsOK, bad.LogitsOK)
	}
	if bad.BF16LogitsErr != res.BF16LogitsErr {
		t.Errorf("broken backward changed the forward: bf16 logits error %.3g, correct kernel %.3g", bad.BF16LogitsErr, res.BF16LogitsErr)
	}
	// A missing score scale is an O(1) error, far outside both bounds.
	if bad.BF16GradWorstErr < 1 || bad.BF16GradWorstErr < GradTolerance || bad.BF16GradCosine > 0.95 {
		t.Errorf("broken backward: worst gradient error %.3g (%s), cosine %.5f; want ≥ 1 and ≤ 0.95",
			bad.BF16GradWorstErr, bad.BF16GradWorstVar, bad.BF16GradCosine)
	}
	joined := strings.Join(bad.Failures, ";")
	if !strings.Contains(joined, "bf16 gradient of /block_") || strings.Contains(joined, "logits") {
		t.Errorf("failures %v should name the block parameters whose gradients are off, and no logits", bad.Failures)
	}
}

// TestRunGoAgainstItself: the pure-Go backend against itself gives identical numbers on
// both sides, so it passes even at tolerance 0; bf16 still rounds, and both precisions
// learn the fixed batch.
func TestRunGoAgainstItself(t *testing.T) {
	ref := goBackend(t)
	var lines []string
	res, err := Run(ref, ref, Options{Tolerance: 0, Progress: func(l string) { lines = append(lines, l) }})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Failures == nil {
		t.Fatalf("failures %#v, want an empty list", res.Failures)
	}
	if res.Target != ref.Name() || res.Tolerance != 0 {
		t.Errorf("target %q tolerance %g, want %q 0", res.Target, res.Tolerance, ref.Name())
	}
	if res.MaxAbsDiff != 0 || res.RelativeDiff != 0 || !res.LogitsOK {
		t.Errorf("f32 logits: max diff %g relative %g ok %v, want 0 0 true", res.MaxAbsDiff, res.RelativeDiff, res.LogitsOK)
	}
	if res.AttentionBF16 != "decomposed" || res.BF16LogitsErr != res.BF16LogitsErrGo || res.BF16LogitsErr < 1e-3 || !res.BF16LogitsOK {
		t.Errorf("bf16 logits: attention %q error %g vs own %g ok %v; want decomposed, equal and ≥ 1e-3, true",
			res.AttentionBF16, res.BF16LogitsErr, res.BF16LogitsErrGo, res.BF16LogitsOK)
	}
	if res.BF16GradWorstErr != res.BF16GradWorstErrGo || res.BF16GradWorstErr == 0 || res.BF16GradCosine < 0.999 || res.BF16GradCosine > 1+1e-9 {
		t.Errorf("bf16 gradients: worst %s %g vs own %g, cosine %.6f; want equal and non-zero, cosine in [0.999, 1]",
			res.BF16GradWorstVar, res.BF16GradWorstErr, res.BF16GradWorstErrGo, res.BF16GradCosine)
	}
	// Ten classes, near-uniform logits at init: the first loss is about ln 10.
	if math.Abs(res.LossFirst-math.Log(10)) > 0.1 || math.Abs(res.BF16LossFirst-res.LossFirst) > 0.01 {
		t.Errorf("first loss f32 %.4f bf16 %.4f, want both ≈ ln 10 = %.4f", res.LossFirst, res.BF16LossFirst, math.Log(10))
	}
	if !res.TrainingOK || !res.BF16TrainingOK || res.LossAfter20 >= LossRatio*res.LossFirst || res.BF16LossAfter20 >= LossRatio*res.BF16LossFirst {
		t.Errorf("training: f32 %v (%.3f → %.3f), bf16 %v (%.3f → %.3f)", res.TrainingOK, res.LossFirst,
			res.LossAfter20, res.BF16TrainingOK, res.BF16LossFirst, res.BF16LossAfter20)
	}
	prefixes := []string{"f32 logits: max |diff| 0 ", "bf16 logits (decomposed attention): ", "bf16 gradients: cosine with f32 ",
		"training on target (f32): loss ", "training on target (bf16): loss "}
	if len(lines) != len(prefixes) {
		t.Fatalf("progress lines %q, want %d", lines, len(prefixes))
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("progress line %d %q, want prefix %q", i, lines[i], p)
		}
	}
}

func TestRunRejectsABadTolerance(t *testing.T) {
	ref := goBackend(t)
	for _, tol := range []float64{-1e-3, math.NaN()} {
		if _, err := Run(ref, ref, Options{Tolerance: tol}); err == nil || !strings.Contains(err.Error(), "tolerance") {
			t.Errorf("tolerance %g: err %v, want a tolerance error", tol, err)
		}
	}
}

func TestWithinNoise(t *testing.T) {
	for _, c := range []struct {
		err, goErr, tol float64
		want            bool
	}{
		{0.0039, 0.001, 0, true},     // under 3×0.001 + 0.001
		{0.0041, 0.001, 0, false},    // just over, and over tol
		{0.0041, 0.001, 0.005, true}, // over the noise bound, under tol
		{0.5, 0.2, 0.05, true},       // a noisy reference widens the bound
		{3, 0.04, 0.05, false},       // the broken-kernel case
	} {
		if got := withinNoise(c.err, c.goErr, c.tol); got != c.want {
			t.Errorf("withinNoise(%g, %g, %g) = %v, want %v", c.err, c.goErr, c.tol, got, c.want)
		}
	}
}
