package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/export"
	"github.com/tfvision/tfvision/run"
	"github.com/tfvision/tfvision/vision"
)

func newExportCmd() *cobra.Command {
	var ckpt, out string
	var ema bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a run's model weights as a safetensors file (timm names for ViT runs)",
		Long: `Write the model weights of a run directory (its best checkpoint, else the latest) or of a
checkpoint file as a safetensors file: weights only (no optimizer state), float32.

ViT runs get timm's VisionTransformer key names and layouts (patch_embed.proj.weight
[D,3,p,p], cls_token, pos_embed, blocks.N.attn.qkv..., head.weight [classes, D]), so timm
loads the file into the matching vit_* model. TokenFormer runs get the names documented in
the README, which scripts/tokenformer_torch.py loads (it reads the model config from the
file's metadata).`,
		Example: `  tfvision export --checkpoint runs/vit-s16 --out vit-s16.safetensors
  tfvision export --checkpoint runs/tf-b16 --out tf-b16.safetensors --ema`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The model is only traced (for its variable shapes): the pure-Go backend will do.
			b, err := backend.Open("go", backend.Options{})
			if err != nil {
				return err
			}
			loaded, err := run.Load(b, ckpt, ema)
			if err != nil {
				return err
			}
			mc := loaded.Config.Model.Config
			ts, err := export.Weights(mc, loaded.Store)
			if err != nil {
				return err
			}
			md, err := export.Metadata(mc, loaded.Meta, loaded.Checkpoint, ema)
			if err != nil {
				return err
			}
			if err := export.Write(out, ts, md); err != nil {
				return err
			}
			names := "timm VisionTransformer names"
			if mc.Kind == vision.KindTokenFormer {
				names = "TokenFormer names (scripts/tokenformer_torch.py)"
			}
			which := "weights"
			if ema {
				which = "EMA weights"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %d tensors (%s of %s, step %d) to %s with %s\n",
				len(ts), which, loaded.Checkpoint, loaded.Meta.Step, out, names)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "run directory or checkpoint file")
	f.StringVar(&out, "out", "", "safetensors file to write")
	f.BoolVar(&ema, "ema", false, "export the EMA weights")
	_ = cmd.MarkFlagRequired("checkpoint")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
