package eval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/label"
)

// ClassResult is the accuracy on one class. Recall equals Top1 (as a fraction); Precision
// is the fraction of the images predicted as this class that belong to it (0 when the class
// was never predicted).
type ClassResult struct {
	Index     int     `json:"index"`
	WNID      string  `json:"wnid"`
	Name      string  `json:"name"`
	Count     int     `json:"count"`
	Top1      float64 `json:"top1"`
	Correct   int     `json:"correct"`
	Predicted int     `json:"predicted"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// RealResult is top-1 against ImageNet-ReaL labels (Beyer et al. 2020): an image counts when
// the ReaL list has labels for it, and is right when the top-1 class is in its list.
type RealResult struct {
	Images  int     `json:"images"`
	Top1    float64 `json:"top1"`
	Skipped int     `json:"skipped"` // evaluated images whose ReaL list is empty
}

// Options are Evaluate's optional extras.
type Options struct {
	// Real, when set, holds per sample index of the split the ReaL labels (nil or empty =
	// no label: the image is skipped in the ReaL score).
	Real [][]int
}

// Result is what `tfvision eval` prints and writes as JSON.
type Result struct {
	Images       int     `json:"images"`
	Top1         float64 `json:"top1"`
	Top5         float64 `json:"top5"`
	Loss         float64 `json:"loss"`
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"images_per_sec"`
	Failed       int     `json:"failed_files"`
	// Unreadable names every file that could not be read ("path: error"), when the loader
	// records them all (imagenet.LoaderConfig.RecordFailures).
	Unreadable []string `json:"unreadable_files,omitempty"`
	// Partial marks a result cut short (Ctrl-C): it covers only Images of the split.
	Partial  bool          `json:"partial,omitempty"`
	PerClass []ClassResult `json:"per_class,omitempty"`
	// Confusion[t][p] counts the images of true class t predicted (top-1) as p.
	Confusion [][]int     `json:"confusion,omitempty"`
	Real      *RealResult `json:"real,omitempty"`
}

// Evaluate runs every batch of one epoch of loader (which must not shuffle or drop) through
// the predictor. classes names the labels for the per-class table (may be nil).
func Evaluate(ctx context.Context, p *Predictor, loader *imagenet.Loader, classes []label.Class) (Result, error) {
	return EvaluateWith(ctx, p, loader, classes, Options{})
}

// EvaluateWith is Evaluate with opts.
func EvaluateWith(ctx context.Context, p *Predictor, loader *imagenet.Loader, classes []label.Class, opts Options) (Result, error) {
	start := time.Now()
	var res Result
	numClasses := p.Model.Config.NumClasses
	perCount := make([]int, numClasses)
	perCorrect := make([]int, numClasses)
	confusion := make([][]int, numClasses)
	for i := range confusion {
		confusion[i] = make([]int, numClasses)
	}
	var real RealResult
	realCorrect := 0
	var top1, top5 int
	var lossSum float64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for b := range loader.Epoch(ctx, 0, 0) {
		if ctx.Err() != nil {
			break
		}
		var logits [][]float32
		var err error
		if b.Pixels != nil {
			logits, err = p.LogitsPixels(b.Pixels, len(b.Labels))
		} else {
			logits, err = p.Logits(b.Images, len(b.Labels))
		}
		loader.Release(b) // the predictor copied the images into its input tensor
		if err != nil {
			return res, err
		}
		for i := range logits {
			if b.Indices[i] < 0 {
				continue // padding or an unreadable slot
			}
			label := int(b.Labels[i])
			if label < 0 || label >= numClasses {
				return res, fmt.Errorf("eval: label %d outside the model's %d classes (does the data match the checkpoint?)", label, numClasses)
			}
			probs := Softmax(logits[i])
			k := TopK(probs, 5)
			res.Images++
			perCount[label]++
			confusion[label][k[0]]++
			if opts.Real != nil {
				if ix := b.Indices[i]; ix >= len(opts.Real) || len(opts.Real[ix]) == 0 {
					real.Skipped++
				} else {
					real.Images++
					if slices.Contains(opts.Real[ix], k[0]) {
						realCorrect++
					}
				}
			}
			if k[0] == label {
				top1++
				perCorrect[label]++
			}
			for _, j := range k {
				if j == label {
					top5++
				}
			}
			lossSum -= math.Log(math.Max(probs[label], 1e-30))
		}
	}
	// Interrupted (the loader closes its channel early on cancel): whatever was counted is
	// returned marked partial, with an error, never as the split's result.
	if err := ctx.Err(); err != nil {
		res.Partial = true
		res.finish(top1, top5, lossSum, start)
		return res, fmt.Errorf("evaluation interrupted after %d images, a partial result: %w", res.Images, err)
	}
	if res.Images == 0 {
		return res, fmt.Errorf("eval: no images were evaluated (empty split, or every file unreadable: %+v)", loader.Stats())
	}
	res.finish(top1, top5, lossSum, start)
	stats := loader.Stats()
	res.Failed, res.Unreadable = stats.Failed, stats.FailedAll
	sort.Strings(res.Unreadable) // decode workers finish in any order
	for c := 0; c < numClasses; c++ {
		cr := ClassResult{Index: c, Count: perCount[c], Correct: perCorrect[c]}
		for t := range confusion {
			cr.Predicted += confusion[t][c]
		}
		if c < len(classes) {
			cr.WNID, cr.Name = classes[c].WNID, classes[c].Name
		}
		if perCount[c] > 0 {
			cr.Top1 = 100 * float64(perCorrect[c]) / float64(perCount[c])
			cr.Recall = float64(perCorrect[c]) / float64(perCount[c])
		}
		if cr.Predicted > 0 {
			cr.Precision = float64(perCorrect[c]) / float64(cr.Predicted)
		}
		res.PerClass = append(res.PerClass, cr)
	}
	res.Confusion = confusion
	if opts.Real != nil {
		if real.Images > 0 {
			real.Top1 = 100 * float64(realCorrect) / float64(real.Images)
		}
		res.Real = &real
	}
	return res, nil
}

func (res *Result) finish(top1, top5 int, lossSum float64, start time.Time) {
	res.Seconds = time.Since(start).Seconds()
	if res.Images == 0 {
		return
	}
	res.Top1 = 100 * float64(top1) / float64(res.Images)
	res.Top5 = 100 * float64(top5) / float64(res.Images)
	res.Loss = lossSum / float64(res.Images)
	res.ImagesPerSec = float64(res.Images) / res.Seconds
}
