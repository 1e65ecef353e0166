package main

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/predict"
	"github.com/tfvision/tfvision/run"
)

func newPredictCmd() *cobra.Command {
	var ckpt, backendSpec, format string
	var topk, batch, workers int
	var maxPix int64
	var ema bool
	cmd := &cobra.Command{
		Use:   "predict [flags] PATH...",
		Short: "Classify image files, folders (recursively) and '-' (paths on stdin)",
		Long: `Classify images with a trained run, using its eval transform. Unreadable files are
reported per file (an "error" field / column) and the others are still classified; the
exit status is 1 if any file failed. Results are written batch by batch as they finish
(--format table, csv, jsonl, or json: one array), so Ctrl-C keeps what was done and
exits 130. Throughput (images/s end to end: decode, transform,
model) goes to stderr.`,
		Example: `  tfvision predict --checkpoint runs/demo photo.jpg dir/
  find /data -name '*.JPEG' | tfvision predict --checkpoint runs/tf-b16 --format csv -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if topk < 1 {
				return fmt.Errorf("--topk %d: must be >= 1", topk)
			}
			if !slices.Contains(predictFormats, format) {
				return fmt.Errorf("--format %q: allowed values are %s", format, strings.Join(predictFormats, ", "))
			}
			b, err := backend.Open(backendSpec, backend.Options{})
			if err != nil {
				return err
			}
			loaded, err := run.Load(b, ckpt, ema)
			if err != nil {
				return err
			}
			if loaded.Note != "" { // stderr: stdout is the (machine-readable) predictions
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", loaded.Note)
			}
			paths, err := predict.CollectPaths(args, cmd.InOrStdin())
			if err != nil {
				return err
			}
			if len(paths) == 0 {
				return fmt.Errorf("no image files found in %s", strings.Join(args, " "))
			}
			tf, err := loaded.Config.EvalTransform()
			if err != nil {
				return err
			}
			if batch > len(paths) {
				batch = len(paths)
			}
			p, err := eval.NewPredictor(b, loaded.Model, loaded.Store, batch)
			if err != nil {
				return err
			}
			defer p.Finalize()
			p.PixelNorm = loaded.Config.EvalPixelNorm(b.String(), tf)
			if workers <= 0 {
				workers = runtime.NumCPU()
			}
			start := time.Now()
			out := newPredictionWriter(cmd.OutOrStdout(), format)
			done, failed := 0, 0
			err = predict.Classify(cmd.Context(), p, tf, loaded.Classes(), paths, topk, workers, loaded.MaxPixels(maxPix), func(batch []predict.Prediction) error {
				for _, pr := range batch {
					if pr.Err != "" {
						failed++
					}
				}
				done += len(batch)
				return out.write(batch)
			})
			if cerr := out.close(); err == nil {
				err = cerr
			}
			sec := time.Since(start).Seconds()
			if err != nil {
				if cmd.Context().Err() != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "interrupted: the %d of %d files above are classified; re-run for the rest\n", done, len(paths))
				}
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d images in %.2fs: %.1f images/s end to end (%s); %d unreadable\n",
				done, sec, float64(done)/sec, b.Name(), failed)
			if failed > 0 {
				return fmt.Errorf("%d of %d files could not be classified (see the error field)", failed, done)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "run directory or checkpoint file")
	f.IntVar(&topk, "topk", 5, "classes per image")
	f.StringVar(&format, "format", "table", "table, csv, jsonl (one object per line) or json (one array)")
	f.IntVar(&batch, "batch", 32, "batch size")
	f.IntVar(&workers, "workers", 0, "decode workers (0 = number of CPUs)")
	f.BoolVar(&ema, "ema", false, "use the EMA weights")
	f.Int64Var(&maxPix, "max-pixels", 0, "refuse images whose header claims more pixels (0 = the run's data.max_pixels)")
	f.StringVar(&backendSpec, "backend", "", "backend (default: auto)")
	_ = cmd.MarkFlagRequired("checkpoint")
	return cmd
}
