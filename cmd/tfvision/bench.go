package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/imagenet/decode"
	"github.com/tfvision/tfvision/train"
	"github.com/tfvision/tfvision/vision"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure model or data-pipeline throughput",
	}
	cmd.AddCommand(newBenchModelCmd(), newBenchDataCmd())
	return cmd
}

func writeJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write --json %s: %w", path, err)
	}
	return nil
}

func newBenchModelCmd() *cobra.Command {
	var preset, configName, backendSpec, precision, attention, jsonPath string
	var sets []string
	var batch, image, steps, warmup int
	var trainMode, inferMode bool
	cmd := &cobra.Command{
		Use:   "model",
		Short: "Images/s and effective GFLOP/s of a preset (median of timed steps after warm-up)",
		Example: `  tfvision bench model --preset tokenformer-ti16 --batch 32 --train
  tfvision bench model --preset vit-b16 --batch 256 --infer --backend xla:cuda --precision bf16`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if trainMode == inferMode {
				return fmt.Errorf("choose exactly one of --train and --infer")
			}
			c, err := vision.Preset(preset)
			if configName != "" {
				var cfg configs.Config
				cfg, err = configs.Load(configs.Source{File: configName, Sets: sets})
				c, preset = cfg.Model.Config, "config "+configName
				if !cmd.Flags().Changed("attention") {
					attention = string(cfg.Attention)
				}
			}
			if err != nil {
				return err
			}
			att, err := vision.ParseAttention(attention)
			if err != nil {
				return fmt.Errorf("--%w", err)
			}
			if image > 0 && configName == "" {
				c.ImageSize = image
			}
			if err := c.Validate(); err != nil {
				return fmt.Errorf("--image %d: %w", image, err)
			}
			if precision != "f32" && precision != "bf16" {
				return fmt.Errorf("--precision %q: allowed values are f32, bf16", precision)
			}
			b, err := backend.Open(backendSpec, backend.Options{})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s\n", backend.Describe(b))
			if w := backend.BF16Warning(b, precision); w != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), w)
			}
			mode := "inference"
			if trainMode {
				mode = "training (forward + backward + AdamW)"
			}
			fmt.Fprintf(out, "%s, %s, batch %d, %d px, %s: %d warm-up + %d timed steps\n", preset, mode, batch, c.ImageSize, precision, warmup, steps)
			res, err := train.BenchModel(b, c, train.BenchOptions{Batch: batch, Steps: steps, Warmup: warmup, Train: trainMode,
				DType: configs.Precision(precision).DType(), Attention: att, Progress: func(i int, sec float64) {
					label := "timed"
					if i < warmup {
						label = "warm-up"
					}
					fmt.Fprintf(out, "  step %d (%s): %.3fs\n", i+1, label, sec)
				}})
			if err != nil {
				return err
			}
			res.Preset = preset
			fmt.Fprintf(out, "attention: %s\n", res.Attention)
			fmt.Fprintf(out, "%.2f images/s, %.1f GFLOP/s effective (%.1f GFLOPs/image, median step %.1f ms, first step incl. compile %.1fs)\n",
				res.ImagesPerSec, res.GFLOPsPerSec, res.FLOPsPerImage/1e9, res.StepMSMedian, res.CompileSec)
			if res.CPUSecMedian > 0 {
				fmt.Fprintf(out, "CPU %.2f s/step (%.2f images per CPU-second, %.1f cores busy)\n",
					res.CPUSecMedian, res.ImagesPerCPUSec, res.CPUSecMedian/(res.StepMSMedian/1000))
			}
			return writeJSON(jsonPath, res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&preset, "preset", "tokenformer-ti16", "model preset (see `tfvision models`)")
	f.IntVar(&batch, "batch", 32, "batch size")
	f.StringVar(&configName, "config", "", "take the model from this config instead of --preset (e.g. demo)")
	f.StringArrayVar(&sets, "set", nil, "with --config: override a key, e.g. --set model.patch=7")
	f.IntVar(&image, "image", 224, "image size (must be divisible by the patch size; ignored with --config)")
	f.BoolVar(&trainMode, "train", false, "time training steps")
	f.BoolVar(&inferMode, "infer", false, "time inference steps")
	f.IntVar(&steps, "steps", 5, "timed steps")
	f.IntVar(&warmup, "warmup", 2, "untimed steps first (the first compiles)")
	f.StringVar(&backendSpec, "backend", "", "backend (default: auto)")
	f.StringVar(&precision, "precision", "f32", "f32 or bf16")
	f.StringVar(&attention, "attention", "auto", "attention kernel: auto (fused where the backend has it), fused or decomposed")
	f.StringVar(&jsonPath, "json", "", "also write the result as JSON to this file")
	return cmd
}

func newBenchDataCmd() *cobra.Command {
	var dataDir, configName, jsonPath string
	var sets []string
	var workers, maxImages, batch int
	var trainMode, evalMode bool
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Images/s of the input pipeline (decode + augmentation), total and per worker",
		Long: `Read --max images through the loader (read, decode, transform, batch) and report images/s.
--data may be any layout, including a shard directory written by "tfvision data pack"
(recognised by its index.json), so folders and shards of one dataset compare directly.`,
		Example: `  tfvision bench data --data /imagenet --workers 2 --train
  tfvision bench data --data /imagenet-shards --workers 2 --train
  tfvision bench data --data /imagenet --workers 8 --eval --max 2000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if trainMode == evalMode {
				return fmt.Errorf("choose exactly one of --train and --eval")
			}
			cfg, err := configs.Load(configs.Source{File: configName, Env: os.Environ(), Sets: sets})
			if err != nil {
				return err
			}
			ds, err := imagenet.Open(dataDir, imagenet.Options{DevkitMapping: cfg.Data.DevkitMapping})
			if err != nil {
				return err
			}
			split := ds.Train
			var tf imagenet.Transform
			if trainMode {
				tf, err = cfg.TrainTransform()
			} else {
				if ds.Val != nil {
					split = ds.Val
				}
				tf, err = cfg.EvalTransform()
			}
			if err != nil {
				return err
			}
			if split.Len() == 0 {
				return fmt.Errorf("%s has no images to read", dataDir)
			}
			if workers <= 0 {
				workers = runtime.NumCPU()
			}
			res, err := imagenet.Bench(split, imagenet.LoaderConfig{BatchSize: batch, Workers: workers, Prefetch: 4,
				Seed: 1, Shuffle: true, Transform: tf, MaxPixels: cfg.Data.MaxPixels, Pixels: cfg.PixelBatches(backend.Resolve(cfg.Backend))}, maxImages)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "data: %s (%s layout); JPEG decoder: %s\n", ds.Root, ds.Layout, decode.JPEGDecoder())
			fmt.Fprintf(cmd.OutOrStdout(), "%d images in %.2fs: %.1f images/s, %.1f images/s per worker (%d workers, %d px, %s transform); %.1f images per CPU-second, peak heap %.0f MB\n",
				res.Images, res.Seconds, res.ImagesPerSec, res.PerWorker, workers, cfg.Model.ImageSize, map[bool]string{true: "train", false: "eval"}[trainMode],
				res.ImagesPerCPUSec, float64(res.PeakHeapBytes)/(1<<20))
			return writeJSON(jsonPath, res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data", "", "dataset root (ImageNet layout, or a shard directory from data pack)")
	f.StringVar(&configName, "config", "vit-b", "config whose augment section and image size to use")
	f.StringArrayVar(&sets, "set", nil, "override a config key, e.g. --set augment.rand_augment= (torchvision's plain RRC+flip)")
	f.IntVar(&workers, "workers", 0, "decode workers (0 = number of CPUs)")
	f.IntVar(&maxImages, "max", 2000, "images to read")
	f.IntVar(&batch, "batch", 64, "batch size")
	f.BoolVar(&trainMode, "train", false, "train transform (RandomResizedCrop, flip, RandAugment, erasing)")
	f.BoolVar(&evalMode, "eval", false, "eval transform (resize + center crop)")
	f.StringVar(&jsonPath, "json", "", "also write the result as JSON")
	_ = cmd.MarkFlagRequired("data")
	return cmd
}
