package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/run"
	"github.com/tfvision/tfvision/timm"
	"github.com/tfvision/tfvision/vision"
)

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import another library's weights as a tfvision run directory",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newImportTimmCmd())
	return cmd
}

func newImportTimmCmd() *cobra.Command {
	var name, weights, out, interp string
	var mean, std []float64
	var cropPct float64
	var sets []string
	cmd := &cobra.Command{
		Use:   "timm",
		Short: "Import timm ViT weights (a safetensors state dict) as a run of the matching vit-*16 preset",
		Long: `Read a timm VisionTransformer state dict from a local safetensors file (no network: download
it yourself, e.g. timm's model.safetensors from the Hugging Face hub) and write a run
directory OUT (config.yaml and checkpoints/step-000000000) that eval, predict and
train --init use like any other run.

--model names the timm model: vit_{tiny,small,base,large}_patch16_SIZE, optionally with
its pretrained tag (vit_base_patch16_224.augreg2_in21k_ft_in1k). It picks our preset
(vit-ti16/s16/b16/l16) at SIZE; the number of classes comes from the head. Every tensor's
shape is checked; unknown or missing keys are an error listing them.

The run records the preprocessing the weights were trained with, as timm's
pretrained_cfg does, so eval and predict need no flags: bicubic, crop_pct 0.9 (1.0 above
224 px), mean/std 0.5 for augreg weights and names without a tag (timm's default tags of
these models are augreg ones), ImageNet mean/std otherwise. --mean/--std/--crop-pct/
--interpolation override them. LayerNorm eps is set to timm's 1e-6 (model.ln_eps).`,
		Example: `  tfvision import timm --model vit_base_patch16_224.augreg2_in21k_ft_in1k --weights model.safetensors --out runs/vit-b16-timm
  tfvision eval --checkpoint runs/vit-b16-timm --data /imagenet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := timm.Resolve(name)
			if err != nil {
				return err
			}
			sd, _, err := timm.ReadSafetensors(weights)
			if err != nil {
				return err
			}
			classes, err := timm.NumClasses(sd)
			if err != nil {
				return fmt.Errorf("%s: %w", weights, err)
			}
			cfg, err := configs.Load(configs.Source{Flags: map[string]string{"model.preset": m.Preset, "out": out}, Sets: sets})
			if err != nil {
				return err
			}
			// The timm name fixes what the preset leaves open; --set model.* may refine the
			// rest (e.g. a smaller test model), then the tensors' shapes are checked.
			mc := &cfg.Model.Config
			if !slices.ContainsFunc(sets, func(s string) bool { return strings.HasPrefix(s, "model.image_size=") }) {
				mc.ImageSize = m.Config.ImageSize
			}
			mc.NumClasses = classes
			if mc.LNEps == 0 {
				mc.LNEps = timm.LNEps
			}
			p := m.Pretrained
			a := &cfg.Augment
			a.Mean, a.Std, a.CropPct, a.Interpolation = p.Mean, p.Std, p.CropPct, p.Interpolation
			f := cmd.Flags()
			if f.Changed("mean") {
				a.Mean = mean
			}
			if f.Changed("std") {
				a.Std = std
			}
			if f.Changed("crop-pct") {
				a.CropPct = cropPct
			}
			if f.Changed("interpolation") {
				a.Interpolation = interp
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			b, err := backend.Open("go", backend.Options{})
			if err != nil {
				return err
			}
			store, err := timm.Import(b, sd, cfg.Model.Config)
			if err != nil {
				return fmt.Errorf("%s as %s: %w", weights, name, err)
			}
			path, err := run.Create(out, "tfvision import", cfg, store, checkpoint.Meta{})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "imported %s (%s) as %s: %d px, %d classes, %.2fM parameters\n", weights, name, m.Preset,
				mc.ImageSize, classes, float64(vision.NumParams(store))/1e6)
			fmt.Fprintf(w, "preprocessing: mean %v, std %v, crop_pct %g, %s (recorded in %s)\n", a.Mean, a.Std, a.CropPct,
				a.Interpolation, filepath.Join(out, "config.yaml"))
			fmt.Fprintf(w, "wrote %s\nevaluate with: tfvision eval --checkpoint %s --data DIR\n", path, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "model", "", "timm model name, e.g. vit_base_patch16_224.augreg2_in21k_ft_in1k")
	f.StringVar(&weights, "weights", "", "the model's safetensors state dict (local file)")
	f.StringVar(&out, "out", "", "run directory to create")
	f.Float64SliceVar(&mean, "mean", nil, "normalisation mean, 3 values (default: the weights')")
	f.Float64SliceVar(&std, "std", nil, "normalisation std, 3 values (default: the weights')")
	f.Float64Var(&cropPct, "crop-pct", 0, "eval crop fraction (default: the weights')")
	f.StringVar(&interp, "interpolation", "", "eval resize: bicubic, bilinear or nearest (default: the weights')")
	f.StringArrayVar(&sets, "set", nil, "override a config key of the run, e.g. --set model.drop_path=0.2 (repeatable)")
	for _, req := range []string{"model", "weights", "out"} {
		_ = cmd.MarkFlagRequired(req)
	}
	return cmd
}
