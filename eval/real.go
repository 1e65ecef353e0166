package eval

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tfvision/tfvision/imagenet"
)

// ReadRealLabels reads an ImageNet-ReaL real.json: a JSON array with one list of class
// indices per validation image, in validation-file order (ILSVRC2012_val_00000001.JPEG
// first); an empty list marks an image without labels.
func ReadRealLabels(path string) ([][]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var real [][]int
	if err := json.Unmarshal(data, &real); err != nil {
		return nil, fmt.Errorf("%s: not a ReaL label file (a JSON array of label lists): %w", path, err)
	}
	return real, nil
}

// RealBySample reorders ReaL labels (validation-file order: the split's files sorted by
// base name, as ILSVRC2012_val_NNNNNNNN.JPEG sort) to the split's sample order, checking
// their count and class range.
func RealBySample(real [][]int, split *imagenet.Split, numClasses int) ([][]int, error) {
	if len(real) != len(split.Samples) {
		return nil, fmt.Errorf("ReaL labels list %d images, the validation split has %d: they must cover the whole split, in validation-file order", len(real), len(split.Samples))
	}
	order := make([]int, len(split.Samples))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := split.Samples[a].Path, split.Samples[b].Path
		if c := strings.Compare(filepath.Base(pa), filepath.Base(pb)); c != 0 {
			return c
		}
		return strings.Compare(pa, pb)
	})
	out := make([][]int, len(real))
	for fileIx, sample := range order {
		for _, l := range real[fileIx] {
			if l < 0 || l >= numClasses {
				return nil, fmt.Errorf("ReaL labels: image %d has label %d, outside the model's %d classes", fileIx, l, numClasses)
			}
		}
		out[sample] = real[fileIx]
	}
	return out, nil
}
