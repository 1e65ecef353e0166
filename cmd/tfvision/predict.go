package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/eval"
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
exit status is 1 if any file failed. Throughput (images/s end to end: decode, transform,
model) goes to stderr.`,
		Example: `  tfvision predict --checkpoint runs/demo photo.jpg dir/
  find /data -name '*.JPEG' | tfvision predict --checkpoint runs/tf-b16 --format csv -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if topk < 1 {
				return fmt.Errorf("--topk %d: must be >= 1", topk)
			}
			if format != "table" && format != "json" && format != "csv" {
				return fmt.Errorf("--format %q: allowed values are table, json, csv", format)
			}
			b, err := backend.Open(backendSpec, backend.Options{})
			if err != nil {
				return err
			}
			run, err := eval.LoadRun(b, ckpt, ema)
			if err != nil {
				return err
			}
			if run.Note != "" { // stderr: stdout is the (machine-readable) predictions
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", run.Note)
			}
			paths, err := eval.CollectPaths(args, cmd.InOrStdin())
			if err != nil {
				return err
			}
			if len(paths) == 0 {
				return fmt.Errorf("no image files found in %s", strings.Join(args, " "))
			}
			tf, err := eval.Transform(run.Config)
			if err != nil {
				return err
			}
			if batch > len(paths) {
				batch = len(paths)
			}
			p, err := eval.NewPredictor(b, run.Model, run.Store, batch)
			if err != nil {
				return err
			}
			defer p.Finalize()
			if workers <= 0 {
				workers = runtime.NumCPU()
			}
			start := time.Now()
			preds, err := eval.Classify(cmd.Context(), p, tf, run.Classes(), paths, topk, workers, runMaxPixels(run.Config, maxPix))
			if err != nil {
				return err
			}
			sec := time.Since(start).Seconds()
			if err := writePredictions(cmd.OutOrStdout(), format, preds); err != nil {
				return err
			}
			failed := 0
			for _, pr := range preds {
				if pr.Err != "" {
					failed++
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d images in %.2fs: %.1f images/s end to end (%s); %d unreadable\n",
				len(preds), sec, float64(len(preds))/sec, b.Name(), failed)
			if failed > 0 {
				return fmt.Errorf("%d of %d files could not be classified (see the error field)", failed, len(preds))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "run directory or checkpoint file")
	f.IntVar(&topk, "topk", 5, "classes per image")
	f.StringVar(&format, "format", "table", "table, json or csv")
	f.IntVar(&batch, "batch", 32, "batch size")
	f.IntVar(&workers, "workers", 0, "decode workers (0 = number of CPUs)")
	f.BoolVar(&ema, "ema", false, "use the EMA weights")
	f.Int64Var(&maxPix, "max-pixels", 0, "refuse images whose header claims more pixels (0 = the run's data.max_pixels)")
	f.StringVar(&backendSpec, "backend", "", "backend (default: auto)")
	_ = cmd.MarkFlagRequired("checkpoint")
	return cmd
}

func writePredictions(w io.Writer, format string, preds []eval.Prediction) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(preds)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"path", "rank", "index", "wnid", "name", "prob", "error"})
		for _, p := range preds {
			if p.Err != "" {
				_ = cw.Write([]string{p.Path, "", "", "", "", "", p.Err})
			}
			for r, l := range p.Top {
				_ = cw.Write([]string{p.Path, strconv.Itoa(r + 1), strconv.Itoa(l.Index), l.WNID, l.Name, strconv.FormatFloat(l.Prob, 'f', 6, 64), ""})
			}
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "path\trank\tclass\tprob\n")
	for _, p := range preds {
		if p.Err != "" {
			fmt.Fprintf(tw, "%s\t-\terror: %s\t\n", p.Path, p.Err)
		}
		for r, l := range p.Top {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.4f\n", p.Path, r+1, l.Name, l.Prob)
		}
	}
	return tw.Flush()
}
