package parity

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/livevars"
	"github.com/tfvision/tfvision/train"
	"github.com/tfvision/tfvision/vision"
)

// DefaultTolerance is the f32 logits tolerance `tfvision check parity` uses: TF32 matmuls
// on recent GPUs carry ~1e-3 relative error, and 2e-2 still catches real bugs (a wrong
// normalisation or layout changes logits by O(1)).
const DefaultTolerance = 2e-2

// The fixed acceptance rules of the bf16 and training checks; Options.Tolerance only
// moves the f32 one (and the absolute bound of the bf16 logits).
const (
	// NoiseFactor and NoiseFloor: a bf16 error passes when it is at most NoiseFactor× the
	// reference backend's own bf16 error plus NoiseFloor. Both round the same way, so a
	// correct kernel lands near the reference; a wrong one is off by O(1).
	NoiseFactor = 3
	NoiseFloor  = 1e-3
	// GradTolerance: a parameter's bf16 gradient error below it passes whatever the
	// reference's own error.
	GradTolerance = 0.05
	// TrainingSteps on the target, in each precision, must bring the loss below
	// LossRatio × the first step's.
	TrainingSteps = 20
	LossRatio     = 0.7
)

// Options configures Run.
type Options struct {
	// Tolerance is the largest accepted max|diff| / max|logit| of the f32 logits, and the
	// bf16 logits error accepted whatever the reference's. Used as given: 0 demands
	// bit-identical f32 logits; DefaultTolerance is the usual value.
	Tolerance float64
	// Progress, when set, receives one human-readable line per check as it completes (the
	// format `tfvision check parity` prints), so a slow or failing device shows how far
	// it got. The numbers are all in the Result.
	Progress func(line string)
}

// Result is every number the checks measured, each check's verdict, and a sentence per
// failure; `tfvision check parity --json` writes it, and scripts/gpu-check.sh reads the
// field names.
type Result struct {
	Target      string  `json:"target"`
	Description string  `json:"description"`
	Tolerance   float64 `json:"tolerance"`
	// f32 logits.
	MaxAbsDiff   float64 `json:"max_abs_diff"`
	RelativeDiff float64 `json:"relative_diff"`
	LogitsOK     bool    `json:"logits_ok"`
	// bf16: the attention kernel the target used, logits and gradients against the f32
	// reference, next to the reference backend's own bf16 error (the ...Go fields).
	AttentionBF16      string  `json:"attention_bf16"`
	BF16LogitsErr      float64 `json:"bf16_logits_rel_err"`
	BF16LogitsErrGo    float64 `json:"bf16_logits_rel_err_go"`
	BF16LogitsOK       bool    `json:"bf16_logits_ok"`
	BF16GradCosine     float64 `json:"bf16_grad_cosine"`
	BF16GradWorstVar   string  `json:"bf16_grad_worst_var"`
	BF16GradWorstErr   float64 `json:"bf16_grad_worst_rel_err"`
	BF16GradWorstErrGo float64 `json:"bf16_grad_worst_rel_err_go"`
	BF16GradsOK        bool    `json:"bf16_grads_ok"`
	// Training on the target: the loss of the first and of the last of TrainingSteps steps.
	LossFirst       float64 `json:"loss_first"`
	LossAfter20     float64 `json:"loss_after_20"`
	TrainingOK      bool    `json:"training_ok"`
	BF16LossFirst   float64 `json:"bf16_loss_first"`
	BF16LossAfter20 float64 `json:"bf16_loss_after_20"`
	BF16TrainingOK  bool    `json:"bf16_training_ok"`
	// Failures is empty, not nil, when everything passed, so the JSON says [].
	Failures []string `json:"failures"`
}

// OK reports whether every check passed.
func (r Result) OK() bool { return len(r.Failures) == 0 }

// Run builds the parity model with the same weights on ref and target and runs the
// checks: f32 logits, bf16 logits, bf16 gradients of every parameter (the reference's f32
// values are the truth; its bf16 ones set the noise), then training on target in f32 and
// bf16. A check that fails is recorded in the Result; an error means a check could not
// run, and the Result holds what was measured before it.
func Run(ref, target compute.Backend, opts Options) (Result, error) {
	res := Result{Target: target.Name(), Description: target.Description(), Tolerance: opts.Tolerance, Failures: []string{}}
	if !(opts.Tolerance >= 0) {
		return res, fmt.Errorf("parity: tolerance %g, want ≥ 0", opts.Tolerance)
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	if err := numerics(ref, target, &res, progress); err != nil {
		return res, err
	}
	return res, training(target, &res, progress)
}

func config() vision.Config {
	// head_dim 16: a multiple of 8, so XLA-CUDA takes its fused attention in bf16.
	return vision.Config{Kind: vision.KindTokenFormer, ImageSize: 32, Patch: 8, Channels: 3, Dim: 64, Depth: 2,
		Heads: 4, NumClasses: 10, QKVTokens: 48, ProjTokens: 48, FFNTokens: 128}
}

// numerics fills the logits and gradient comparisons of res.
func numerics(ref, target compute.Backend, res *Result, progress func(string)) error {
	cfg := config()
	tol := res.Tolerance
	fail := func(format string, a ...any) { res.Failures = append(res.Failures, fmt.Sprintf(format, a...)) }
	// A tensor lives on one backend: each run gets its own copy of the same images.
	logits := func(b compute.Backend, dt dtypes.DType) ([][]float32, error) {
		return logitsOn(b, cfg, dt, images(cfg, 8))
	}
	want, err := logits(ref, dtypes.Float32)
	if err != nil {
		return err
	}
	got, err := logits(target, dtypes.Float32)
	if err != nil {
		return err
	}
	maxAbs := maxAbsOf(want)
	res.MaxAbsDiff = maxDiffOf(got, want)
	res.RelativeDiff = res.MaxAbsDiff / math.Max(maxAbs, 1e-6)
	res.LogitsOK = res.RelativeDiff <= tol
	progress(fmt.Sprintf("f32 logits: max |diff| %.3g (max |logit| %.3g, relative %.3g; tolerance %.3g)", res.MaxAbsDiff, maxAbs, res.RelativeDiff, tol))
	if !res.LogitsOK {
		fail("f32 logits differ: relative %.3g > %.3g", res.RelativeDiff, tol)
	}

	m, _ := vision.New(cfg)
	m.DType = dtypes.BFloat16
	att, err := m.AttentionPath(target)
	if err != nil {
		return err
	}
	res.AttentionBF16 = string(att)
	gotBF, err := logits(target, dtypes.BFloat16)
	if err != nil {
		return err
	}
	goBF, err := logits(ref, dtypes.BFloat16)
	if err != nil {
		return err
	}
	res.BF16LogitsErr = maxDiffOf(gotBF, want) / math.Max(maxAbs, 1e-6)
	res.BF16LogitsErrGo = maxDiffOf(goBF, want) / math.Max(maxAbs, 1e-6)
	res.BF16LogitsOK = withinNoise(res.BF16LogitsErr, res.BF16LogitsErrGo, tol)
	progress(fmt.Sprintf("bf16 logits (%s attention): relative error vs f32 %.3g (pure-Go bf16: %.3g)", att, res.BF16LogitsErr, res.BF16LogitsErrGo))
	if !res.BF16LogitsOK {
		fail("bf16 logits: relative error %.3g, pure-Go bf16 %.3g", res.BF16LogitsErr, res.BF16LogitsErrGo)
	}

	grads := func(b compute.Backend, dt dtypes.DType) (map[string][]float32, error) {
		m, store, err := modelOn(b, cfg, dt)
		if err != nil {
			return nil, err
		}
		_, g, err := train.LossAndGradients(b, m, store, batch(cfg, 8))
		return g, err
	}
	gRef, err := grads(ref, dtypes.Float32)
	if err != nil {
		return err
	}
	gGo, err := grads(ref, dtypes.BFloat16)
	if err != nil {
		return err
	}
	gT, err := grads(target, dtypes.BFloat16)
	if err != nil {
		return err
	}
	res.BF16GradsOK = true
	var dot, nt, nr float64
	for _, p := range slices.Sorted(maps.Keys(gRef)) {
		r, t, g := gRef[p], gT[p], gGo[p]
		if len(t) != len(r) {
			return fmt.Errorf("gradient of %s: %d values on the target, %d on the reference", p, len(t), len(r))
		}
		var et, eg, er float64
		for i := range r {
			et += sqr(t[i] - r[i])
			eg += sqr(g[i] - r[i])
			er += sqr(r[i])
			dot += float64(t[i]) * float64(r[i])
			nt += sqr(t[i])
			nr += sqr(r[i])
		}
		// Relative to the variable's own gradient; the floor keeps parameters whose true
		// gradient is ~0 (attention key biases) from dividing noise by noise.
		scale := math.Max(math.Sqrt(er), 1e-3)
		rt, rg := math.Sqrt(et)/scale, math.Sqrt(eg)/scale
		if rt > res.BF16GradWorstErr {
			res.BF16GradWorstVar, res.BF16GradWorstErr, res.BF16GradWorstErrGo = p, rt, rg
		}
		if !withinNoise(rt, rg, GradTolerance) {
			res.BF16GradsOK = false
			fail("bf16 gradient of %s: relative error %.3g, pure-Go bf16 %.3g", p, rt, rg)
		}
	}
	res.BF16GradCosine = dot / math.Sqrt(math.Max(nt*nr, 1e-30))
	progress(fmt.Sprintf("bf16 gradients: cosine with f32 %.5f; worst %s: relative error %.3g (pure-Go bf16: %.3g)",
		res.BF16GradCosine, res.BF16GradWorstVar, res.BF16GradWorstErr, res.BF16GradWorstErrGo))

	return nil
}

// training runs TrainingSteps steps on target in f32 and in bf16; each must bring the loss
// below LossRatio × the first.
func training(target compute.Backend, res *Result, progress func(string)) error {
	cfg := config()
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.BFloat16} {
		first, last, err := trainSteps(target, cfg, dt, batch(cfg, 8))
		if err != nil {
			return err
		}
		ok := last < LossRatio*first
		name := map[dtypes.DType]string{dtypes.Float32: "f32", dtypes.BFloat16: "bf16"}[dt]
		progress(fmt.Sprintf("training on target (%s): loss %.4f → %.4f after %d steps", name, first, last, TrainingSteps))
		if dt == dtypes.Float32 {
			res.LossFirst, res.LossAfter20, res.TrainingOK = first, last, ok
		} else {
			res.BF16LossFirst, res.BF16LossAfter20, res.BF16TrainingOK = first, last, ok
		}
		if !ok {
			res.Failures = append(res.Failures, fmt.Sprintf("%s training did not lower the loss enough: %.4f → %.4f", name, first, last))
		}
	}
	return nil
}

// withinNoise accepts a bf16 error err that is at most NoiseFactor× the reference
// backend's own bf16 error goErr plus NoiseFloor, or below the absolute tolerance tol.
func withinNoise(err, goErr, tol float64) bool {
	return err <= NoiseFactor*goErr+NoiseFloor || err <= tol
}

func maxDiffOf(a, b [][]float32) float64 {
	var d float64
	for i := range a {
		for j := range a[i] {
			d = math.Max(d, math.Abs(float64(a[i][j]-b[i][j])))
		}
	}
	return d
}

func maxAbsOf(a [][]float32) float64 {
	var m float64
	for _, row := range a {
		for _, x := range row {
			m = math.Max(m, math.Abs(float64(x)))
		}
	}
	return m
}

func sqr(x float32) float64 { return float64(x) * float64(x) }

func images(cfg vision.Config, batch int) *tensors.Tensor {
	m, _ := vision.New(cfg)
	t := tensors.FromShape(m.InputShape(batch))
	tensors.MustMutableFlatData(t, func(f []float32) {
		for i := range f {
			f[i] = float32(math.Sin(float64(i)*0.013) + 0.5*math.Cos(float64(i%97)*0.7))
		}
	})
	return t
}

// modelOn is the parity model in compute dtype dt with its fixed weights on b: the same
// values on every backend, since they are drawn on the host from the seed.
func modelOn(b compute.Backend, cfg vision.Config, dt dtypes.DType) (*vision.Model, *model.Store, error) {
	m, err := vision.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	m.DType = dt
	store := model.NewStore()
	if err := m.Build(b, store, 42); err != nil {
		return nil, nil, err
	}
	return m, store, nil
}

func logitsOn(b compute.Backend, cfg vision.Config, dt dtypes.DType, images *tensors.Tensor) ([][]float32, error) {
	m, store, err := modelOn(b, cfg, dt)
	if err != nil {
		return nil, err
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		livevars.Live(scope, x.Graph())
		return m.Logits(scope, x, false)
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	out, err := exec.Call1(images)
	if err != nil {
		return nil, err
	}
	return out.Value().([][]float32), nil
}

// batch is n fixed images with labels i mod classes.
func batch(cfg vision.Config, n int) train.MicroBatch {
	targets := make([]float32, n*cfg.NumClasses)
	weights := make([]float32, n)
	for i := 0; i < n; i++ {
		targets[i*cfg.NumClasses+i%cfg.NumClasses] = 1
		weights[i] = 1
	}
	return train.MicroBatch{Images: images(cfg, n), Targets: tensors.FromFlatDataAndDimensions(targets, n, cfg.NumClasses),
		Weights: tensors.FromFlatDataAndDimensions(weights, n)}
}

// trainSteps runs TrainingSteps AdamW steps on the one batch mb and returns the first and
// the last loss.
func trainSteps(b compute.Backend, cfg vision.Config, dt dtypes.DType, mb train.MicroBatch) (first, last float64, err error) {
	m, store, err := modelOn(b, cfg, dt)
	if err != nil {
		return 0, 0, err
	}
	if err := store.SetRNGStateFromSeed(1); err != nil {
		return 0, 0, err
	}
	st, err := train.NewStepper(b, m, store, train.AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 1)
	if err != nil {
		return 0, 0, err
	}
	defer st.Finalize()
	for i := 0; i < TrainingSteps; i++ {
		loss, _, err := st.Step([]train.MicroBatch{mb}, 3e-3)
		if err != nil {
			return 0, 0, err
		}
		if i == 0 {
			first = loss
		}
		last = loss
	}
	return first, last, nil
}
