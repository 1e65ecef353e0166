package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/run"
	"github.com/tfvision/tfvision/vision"
)

func newGrowCmd() *cobra.Command {
	var ckpt, out string
	var opts vision.GrowOptions
	cmd := &cobra.Command{
		Use:   "grow",
		Short: "Append parameter tokens to every Pattention of a trained TokenFormer (incremental scaling)",
		Long: `Grow a trained TokenFormer: every Pattention gets more parameter tokens (new keys zero, new
values small random), written as a new run directory whose config has the new counts.
Continue training with: tfvision train --config OUT/config.yaml --init OUT --out RUN.
With --keep-zoom, √n stays at the old counts and the grown model's outputs equal the old
model's exactly at step 0; it is refused for model.norm: softmax, where no growth keeps
the outputs (a zero key still scores softmax(0) > 0).`,
		Example: `  tfvision grow --checkpoint runs/tf-s16 --out runs/tf-s16-grown --qkv-tokens 768 --ffn-tokens 3072 --keep-zoom`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := backend.Open("go", backend.Options{})
			if err != nil {
				return err
			}
			loaded, err := run.Load(b, ckpt, false)
			if err != nil {
				return err
			}
			if opts.ProjTokens == 0 && opts.QKVTokens > 0 && loaded.Config.Model.ProjTokens == loaded.Config.Model.QKVTokens {
				opts.ProjTokens = opts.QKVTokens // n_proj follows n_qkv unless given
			}
			before := vision.NumParams(loaded.Store)
			grown, err := vision.Grow(loaded.Store, loaded.Config.Model.Config, opts)
			if err != nil {
				return err
			}
			cfg := loaded.Config
			cfg.Model.Config = grown
			cfg.Model.Preset = ""
			cfg.Out = out
			path, err := run.Create(out, "tfvision grow", cfg, loaded.Store, checkpoint.Meta{Classes: loaded.Meta.Classes,
				Metrics: map[string]float64{"grown_from_step": float64(loaded.Meta.Step)}})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "grew %s: tokens qkv %d→%d, proj %d→%d, ffn %d→%d; parameters %.2fM→%.2fM\nwrote %s\ncontinue with: tfvision train --config %s --init %s --out RUN\n",
				loaded.Checkpoint, loaded.Config.Model.QKVTokens, grown.QKVTokens, loaded.Config.Model.ProjTokens, grown.ProjTokens,
				loaded.Config.Model.FFNTokens, grown.FFNTokens, float64(before)/1e6, float64(vision.NumParams(loaded.Store))/1e6,
				path, filepath.Join(out, "config.yaml"), out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "run directory or checkpoint file to grow")
	f.StringVar(&out, "out", "", "directory for the grown model")
	f.IntVar(&opts.QKVTokens, "qkv-tokens", 0, "tokens of each Q/K/V Pattention after growing (0 = keep)")
	f.IntVar(&opts.ProjTokens, "proj-tokens", 0, "tokens of each attention-output Pattention (0 = follow --qkv-tokens when they were equal)")
	f.IntVar(&opts.FFNTokens, "ffn-tokens", 0, "tokens of each FFN Pattention (0 = keep)")
	f.BoolVar(&opts.KeepZoom, "keep-zoom", false, "hold √n at the old counts so outputs are unchanged at step 0 (GELU norms; refused for softmax)")
	f.Float64Var(&opts.NewValueStd, "new-value-std", 0, "std of the new value tokens (0 = the model's value init std)")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the new value tokens")
	_ = cmd.MarkFlagRequired("checkpoint")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
