package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/run"
	"github.com/tfvision/tfvision/vision"
)

func newEvalCmd() *cobra.Command {
	var ckpt, dataDir, backendSpec, jsonPath, realPath, heatPath string
	var ema bool
	var compare []string
	var batch, workers, maxImages int
	var maxPix int64
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Top-1/top-5 and loss of a trained run on a validation set, next to the ViT baselines",
		Long: `Evaluate a run directory (its best checkpoint, else the latest) or a checkpoint file on the
validation split of --data (val/ class folders, devkit or Kaggle layouts), with the run's own
eval transform (resize short side to size/crop_pct, center crop). Prints top-1, top-5, loss,
images/s and a table against the published ViT/DeiT/TokenFormer results of the same size;
Class folders named 0..N-1 (ImageNet-V2) are ordered by number; with a checkpoint trained on
other class folders (wnids), folder N is taken as the checkpoint's class N.
--json adds per-class accuracy, precision and recall and the confusion matrix (rows: true
class, columns: top-1 prediction). --real-labels real.json adds the ImageNet-ReaL top-1: one
label list per validation image in validation-file order (files sorted by name, as
ILSVRC2012_val_00000001.JPEG …); images with an empty list are skipped, a prediction is right
when it is in the image's list. --confusion-png FILE draws the confusion matrix as a heat map
(rows: true class, columns: predicted, each row normalised by its count, white 0 to dark blue
1), for at most 100 classes.
When --checkpoint is a run directory, the result is also kept in RUN/evals/ (one file per
data set and weights, the last eval wins); --compare RUN2,RUN3 lists, below the published
table, the measured top-1/top-5 of this run and of those runs on the same data (same
absolute --data path), e.g. imported timm weights evaluated beside a trained run.`,
		Example: `  tfvision eval --checkpoint runs/demo --data data/mnist
  tfvision eval --checkpoint runs/tf-b16 --data /imagenet --ema --json eval.json
  tfvision eval --checkpoint runs/tf-b16 --data /imagenet --compare runs/vit-b16-timm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := backend.Open(backendSpec, backend.Options{})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			loaded, err := run.Load(b, ckpt, ema)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s\ncheckpoint %s (step %d)\n", backend.Describe(b), loaded.Checkpoint, loaded.Meta.Step)
			if loaded.Note != "" {
				fmt.Fprintf(out, "note: %s\n", loaded.Note)
			}
			res, info, err := eval.EvaluateDataset(cmd.Context(), b, loaded, eval.DatasetOptions{Data: dataDir, Batch: batch,
				Workers: workers, MaxImages: maxImages, MaxPixels: maxPix, RealLabels: realPath, AfterBatch: evalAfterBatch,
				Note: func(line string) { fmt.Fprintln(out, line) }})
			if err != nil {
				if res.Partial { // Ctrl-C: say what was done, never as the result; no --json
					fmt.Fprintf(out, "interrupted: PARTIAL result over %d of %d images, not the split's: top-1 %.2f%%  top-5 %.2f%%  loss %.4f\n",
						res.Images, info.SplitImages, res.Top1, res.Top5, res.Loss)
					if jsonPath != "" {
						fmt.Fprintf(out, "%s not written\n", jsonPath)
					}
				}
				return err
			}
			model := loaded.Config.Model.Preset
			if model == "" {
				model = filepath.Base(filepath.Clean(ckpt))
			}
			name := model // the table's label; a measured row keeps the EMA flag apart
			if ema {
				name += " (EMA)"
			}
			fmt.Fprintf(out, "top-1 %.2f%%  top-5 %.2f%%  loss %.4f  (%d images, %.1f images/s", res.Top1, res.Top5, res.Loss, res.Images, res.ImagesPerSec)
			if res.Failed > 0 {
				fmt.Fprintf(out, ", %d unreadable files skipped", res.Failed)
			}
			fmt.Fprintf(out, ")\n")
			if r := res.Real; r != nil {
				fmt.Fprintf(out, "ReaL top-1 %.2f%%  (%d images with ReaL labels, %d without: skipped)\n", r.Top1, r.Images, r.Skipped)
			}
			printUnreadable(out, res.Unreadable, jsonPath)
			fmt.Fprintln(out)
			eval.WriteTable(out, name, vision.NumParams(loaded.Store), loaded.Config.Model.Config, res)
			if heatPath != "" {
				switch err := eval.WriteConfusionPNG(heatPath, res.Confusion); {
				case errors.Is(err, eval.ErrTooManyClasses):
					fmt.Fprintf(out, "confusion heat map: %d classes, more than %d: %s not written (the matrix is in --json)\n",
						len(res.Confusion), eval.MaxHeatMapClasses, heatPath)
				case err != nil:
					return err
				default:
					fmt.Fprintf(out, "confusion heat map: %s\n", heatPath)
				}
			}
			if err := measuredRows(out, ckpt, model, loaded, info.Root, ema, res, compare); err != nil {
				return err
			}
			if jsonPath != "" {
				report := struct {
					Checkpoint string          `json:"checkpoint"`
					Step       int64           `json:"step"`
					EMA        bool            `json:"ema"`
					Result     eval.Result     `json:"result"`
					Baselines  []eval.Baseline `json:"baselines"`
				}{loaded.Checkpoint, loaded.Meta.Step, ema, res, eval.BaselinesFor(loaded.Config.Model.Config)}
				return writeJSON(jsonPath, report)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "run directory or checkpoint file")
	f.StringVar(&dataDir, "data", "", "dataset root with a validation split")
	f.BoolVar(&ema, "ema", false, "evaluate the EMA weights")
	f.StringVar(&realPath, "real-labels", "", "ImageNet-ReaL real.json: also score top-1 against these label lists (validation-file order)")
	f.StringVar(&jsonPath, "json", "", "write the result (with per-class accuracy) as JSON")
	f.StringVar(&heatPath, "confusion-png", "", fmt.Sprintf("draw the confusion matrix as a row-normalised heat map PNG (rows: true class, columns: predicted; at most %d classes)", eval.MaxHeatMapClasses))
	f.StringSliceVar(&compare, "compare", nil, "runs (RUN2,RUN3) whose last eval on the same --data to list below the published baselines")
	f.StringVar(&backendSpec, "backend", "", "backend (default: auto)")
	f.IntVar(&batch, "batch", 100, "batch size")
	f.IntVar(&workers, "workers", 0, "decode workers (0 = number of CPUs)")
	f.IntVar(&maxImages, "max", 0, "evaluate only the first N validation images (0 = all)")
	f.Int64Var(&maxPix, "max-pixels", 0, "refuse images whose header claims more pixels (0 = the run's data.max_pixels)")
	_ = cmd.MarkFlagRequired("checkpoint")
	_ = cmd.MarkFlagRequired("data")
	return cmd
}

// measuredRows keeps this eval in RUN/evals/ (when ckpt is a run directory) and prints the
// measured rows of this run and the --compare runs on the same data.
func measuredRows(out io.Writer, ckpt, model string, loaded *run.Run, dataAbs string, ema bool, res eval.Result, compare []string) error {
	m := eval.Measured{Run: ckpt, Model: model, Checkpoint: loaded.Checkpoint, Step: loaded.Meta.Step, EMA: ema, Data: dataAbs,
		Images: res.Images, Top1: res.Top1, Top5: res.Top5, Date: time.Now().UTC()}
	if res.Real != nil {
		m.RealTop1 = &res.Real.Top1
	}
	if st, err := os.Stat(ckpt); err == nil && st.IsDir() {
		if err := eval.SaveMeasured(ckpt, m); err != nil { // the eval itself succeeded
			fmt.Fprintf(out, "warning: result not kept in %s: %v\n", filepath.Join(ckpt, eval.MeasuredDir), err)
		}
	}
	if len(compare) == 0 {
		return nil
	}
	this := m
	this.Model += " (this run)"
	rows := []eval.Measured{this}
	var missing []string
	for _, c := range compare {
		if filepath.Clean(c) == filepath.Clean(ckpt) {
			continue // this run's row is the fresh result
		}
		ms, err := eval.LoadMeasured(c, dataAbs)
		if err != nil {
			return fmt.Errorf("--compare %s: %w", c, err)
		}
		if len(ms) == 0 {
			missing = append(missing, c)
		}
		rows = append(rows, ms...)
	}
	fmt.Fprintf(out, "\nmeasured on %s:\n", dataAbs)
	eval.WriteMeasured(out, rows)
	for _, c := range missing {
		fmt.Fprintf(out, "%s: no eval on this data (run tfvision eval --checkpoint %s --data %s)\n", c, c, dataAbs)
	}
	return nil
}

// evalAfterBatch, when set, runs after each evaluated batch (tests interrupt there).
var evalAfterBatch func()

// unreadableShown is how many unreadable files eval lists on stdout (all go to --json).
const unreadableShown = 10

func printUnreadable(w io.Writer, failures []string, jsonPath string) {
	for i, f := range failures {
		if i == unreadableShown {
			where := "pass --json FILE to list them all"
			if jsonPath != "" {
				where = "all are listed in " + jsonPath
			}
			fmt.Fprintf(w, "  … and %d more unreadable files (%s)\n", len(failures)-unreadableShown, where)
			break
		}
		fmt.Fprintf(w, "  unreadable: %s\n", f)
	}
}
