package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/train/parity"
)

func newCheckCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "check", Short: "Correctness checks of a backend (for GPU machines)"}
	var backendSpec, jsonPath string
	var tol float64
	parityCmd := &cobra.Command{
		Use:   "parity",
		Short: "Same weights, same images: logits and gradients on --backend vs the pure-Go backend; then training lowers the loss",
		Long: `Builds a small TokenFormer with fixed weights (initialised on the host from a seed, so both
backends get identical values) and compares, on --backend against the pure-Go backend in f32:
  1. f32 logits (max |diff| / max |logit| <= --tolerance);
  2. bf16 logits, and 3. bf16 gradients of every parameter: bf16 cannot match f32 exactly, so
     the pure-Go backend's own bf16 error sets the scale: the target may be at most 3x further
     from the f32 reference (plus a small floor) or within --tolerance. On XLA-CUDA this is the
     fused (cuDNN flash) attention forward and backward against the decomposed math;
  4. 20 training steps on --backend, in f32 and in bf16, must each cut the loss by 30%.
Exits non-zero on any failure. Used by scripts/gpu-check.sh.`,
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
			res, err := parity.Run(ref, target, parity.Options{Tolerance: tol, Progress: func(line string) { fmt.Fprintln(out, line) }})
			if werr := writeJSON(jsonPath, res); werr != nil && err == nil {
				err = werr
			}
			if err != nil {
				return err
			}
			if !res.OK() {
				return fmt.Errorf("parity failed: %s", strings.Join(res.Failures, "; "))
			}
			fmt.Fprintln(out, "parity OK")
			return nil
		},
	}
	f := parityCmd.Flags()
	f.StringVar(&backendSpec, "backend", "", "backend to check (e.g. xla:/path/pjrt_c_api_gpu_plugin.so)")
	f.StringVar(&jsonPath, "json", "", "write the result as JSON")
	f.Float64Var(&tol, "tolerance", parity.DefaultTolerance, "largest accepted max|diff| / max|logit|")
	cmd.AddCommand(parityCmd)
	return cmd
}
