package main

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/train"
	"github.com/tfvision/tfvision/vision"
)

func newCheckCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "check", Short: "Correctness checks of a backend (for GPU machines)"}
	var backendSpec, jsonPath string
	var tol float64
	parity := &cobra.Command{
		Use:   "parity",
		Short: "Same weights, same images: logits on --backend vs the pure-Go backend; then training steps lower the loss",
		Long: `Builds a small TokenFormer with fixed weights (initialised on the host from a seed, so both
backends get identical values), compares its logits on --backend with the pure-Go backend's,
then runs 20 training steps on --backend on a fixed batch and checks the loss falls.
Exits non-zero on a mismatch. Used by scripts/gpu-check.sh.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := backend.Open("go", backend.Options{})
			if err != nil {
				return err
			}
			target, err := backend.Open(backendSpec, backend.Options{})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "reference: %s\ntarget:    %s\n", backend.Describe(ref), backend.Describe(target))
			cfg := vision.Config{Kind: vision.KindTokenFormer, ImageSize: 32, Patch: 8, Channels: 3, Dim: 64, Depth: 2,
				Heads: 4, NumClasses: 10, QKVTokens: 48, ProjTokens: 48, FFNTokens: 128}
			// A tensor lives on one backend: each run gets its own copy of the same images.
			want, err := parityLogits(ref, cfg, parityImages(cfg, 8))
			if err != nil {
				return err
			}
			got, err := parityLogits(target, cfg, parityImages(cfg, 8))
			if err != nil {
				return err
			}
			var maxDiff, maxAbs float64
			for i := range want {
				for j := range want[i] {
					maxDiff = math.Max(maxDiff, math.Abs(float64(got[i][j]-want[i][j])))
					maxAbs = math.Max(maxAbs, math.Abs(float64(want[i][j])))
				}
			}
			rel := maxDiff / math.Max(maxAbs, 1e-6)
			fmt.Fprintf(out, "logits: max |diff| %.3g (max |logit| %.3g, relative %.3g; tolerance %.3g)\n", maxDiff, maxAbs, rel, tol)
			first, last, err := parityTrain(target, cfg, parityImages(cfg, 8))
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "training on target: loss %.4f → %.4f after 20 steps\n", first, last)
			res := map[string]any{"target": target.Name(), "description": target.Description(), "max_abs_diff": maxDiff,
				"relative_diff": rel, "tolerance": tol, "loss_first": first, "loss_after_20": last,
				"logits_ok": rel <= tol, "training_ok": last < 0.7*first}
			if err := writeJSON(jsonPath, res); err != nil {
				return err
			}
			if rel > tol {
				return fmt.Errorf("logits differ: relative %.3g > %.3g", rel, tol)
			}
			if last >= 0.7*first {
				return fmt.Errorf("training did not lower the loss enough: %.4f → %.4f", first, last)
			}
			fmt.Fprintln(out, "parity OK")
			return nil
		},
	}
	f := parity.Flags()
	f.StringVar(&backendSpec, "backend", "", "backend to check (e.g. xla:/path/pjrt_c_api_gpu_plugin.so)")
	f.StringVar(&jsonPath, "json", "", "write the result as JSON")
	// TF32 matmuls on recent GPUs carry ~1e-3 relative error; 2e-2 still catches real bugs
	// (a wrong normalisation or layout changes logits by O(1)).
	f.Float64Var(&tol, "tolerance", 2e-2, "largest accepted max|diff| / max|logit|")
	cmd.AddCommand(parity)
	return cmd
}

func parityImages(cfg vision.Config, batch int) *tensors.Tensor {
	m, _ := vision.New(cfg)
	t := tensors.FromShape(m.InputShape(batch))
	tensors.MustMutableFlatData(t, func(f []float32) {
		for i := range f {
			f[i] = float32(math.Sin(float64(i)*0.013) + 0.5*math.Cos(float64(i%97)*0.7))
		}
	})
	return t
}

func parityLogits(b compute.Backend, cfg vision.Config, images *tensors.Tensor) ([][]float32, error) {
	m, err := vision.New(cfg)
	if err != nil {
		return nil, err
	}
	store := model.NewStore()
	if err := m.Build(b, store, 42); err != nil {
		return nil, err
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node { return m.Logits(scope, x, false) })
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

func parityTrain(b compute.Backend, cfg vision.Config, images *tensors.Tensor) (first, last float64, err error) {
	m, _ := vision.New(cfg)
	store := model.NewStore()
	if err := m.Build(b, store, 42); err != nil {
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
	n := images.Shape().Dimensions[0]
	targets := make([]float32, n*cfg.NumClasses)
	weights := make([]float32, n)
	for i := 0; i < n; i++ {
		targets[i*cfg.NumClasses+i%cfg.NumClasses] = 1
		weights[i] = 1
	}
	mb := []train.MicroBatch{{Images: images, Targets: tensors.FromFlatDataAndDimensions(targets, n, cfg.NumClasses),
		Weights: tensors.FromFlatDataAndDimensions(weights, n)}}
	for i := 0; i < 20; i++ {
		loss, _, err := st.Step(mb, 3e-3)
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
