package eval

import (
	"context"
	"fmt"

	"github.com/gomlx/compute"

	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/run"
)

// DatasetOptions are what `tfvision eval` takes besides the run: the data and how to
// read it.
type DatasetOptions struct {
	// Data is the dataset root (any layout imagenet.Open reads) with a validation split.
	Data string
	// Batch is the inference batch (default 100); Workers the decode workers (0 = CPUs).
	Batch, Workers int
	// MaxImages > 0 evaluates only the first MaxImages validation images.
	MaxImages int
	// MaxPixels overrides the run's data.max_pixels when > 0.
	MaxPixels int64
	// RealLabels is an ImageNet-ReaL real.json to score against too ("" = none).
	RealLabels string
	// AfterBatch, when set, runs after each batch (tests interrupt there).
	AfterBatch func()
	// Note, when set, receives lines worth telling the user (how classes were matched).
	Note func(string)
}

// DatasetInfo describes what was evaluated, for the caller's report.
type DatasetInfo struct {
	Root        string // the dataset's absolute root (measured rows key on it)
	SplitImages int    // images in the (possibly truncated) validation split
}

// EvaluateDataset evaluates a loaded run on the validation split of opts.Data with the
// run's own eval transform. It checks that the data's classes are the run's (or an
// ImageNet-V2 numbered tree standing for them) before anything is computed. On an
// interrupt it returns the partial result marked Partial, with an error.
func EvaluateDataset(ctx context.Context, b compute.Backend, r *run.Run, opts DatasetOptions) (Result, DatasetInfo, error) {
	var info DatasetInfo
	ds, err := imagenet.Open(opts.Data, imagenet.Options{DevkitMapping: r.Config.Data.DevkitMapping})
	if err != nil {
		return Result{}, info, err
	}
	info.Root = ds.Root
	if ds.Val.Len() == 0 {
		return Result{}, info, fmt.Errorf("%s has no validation images (expected val/<class>/..., a devkit or a Kaggle layout)", opts.Data)
	}
	if len(ds.Classes) != r.Config.Model.NumClasses {
		return Result{}, info, fmt.Errorf("%s has %d classes, the model %d: wrong dataset for this checkpoint?", opts.Data, len(ds.Classes), r.Config.Model.NumClasses)
	}
	if run.V2Mapped(ds.Classes, r.Meta.Classes) {
		if opts.Note != nil {
			c := r.Meta.Classes[0]
			opts.Note(fmt.Sprintf("ImageNet-V2 layout: folder N = class N of the checkpoint (folder 0 = %s %q)", c.WNID, c.Name))
		}
		ds.Classes = r.Classes()
	} else if err := run.CheckClasses(ds.Classes, r.Meta.Classes, opts.Data, r.Checkpoint); err != nil {
		return Result{}, info, err
	}
	tf, err := r.Config.EvalTransform()
	if err != nil {
		return Result{}, info, err
	}
	var eo Options
	if opts.RealLabels != "" {
		real, err := ReadRealLabels(opts.RealLabels)
		if err != nil {
			return Result{}, info, err
		}
		if eo.Real, err = RealBySample(real, ds.Val, r.Config.Model.NumClasses); err != nil {
			return Result{}, info, fmt.Errorf("--real-labels %s: %w", opts.RealLabels, err)
		}
	}
	split := ds.Val.Head(opts.MaxImages)
	info.SplitImages = split.Len()
	batch := opts.Batch
	if batch <= 0 {
		batch = 100
	}
	norm := r.Config.EvalPixelNorm(b.String(), tf) // valid: 8-bit batches, normalised in the graph
	loader, err := imagenet.NewLoader(split, imagenet.LoaderConfig{BatchSize: batch, Workers: opts.Workers, Prefetch: 4,
		Transform: tf, NoSubstitute: true, RecordFailures: true, MaxPixels: r.MaxPixels(opts.MaxPixels), Pixels: norm.Valid()})
	if err != nil {
		return Result{}, info, err
	}
	p, err := NewPredictor(b, r.Model, r.Store, batch)
	if err != nil {
		return Result{}, info, err
	}
	defer p.Finalize()
	p.AfterBatch, p.PixelNorm = opts.AfterBatch, norm
	res, err := EvaluateWith(ctx, p, loader, ds.Classes, eo)
	return res, info, err
}
