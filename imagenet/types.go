package imagenet

import "github.com/tfvision/tfvision/label"

// Sample is one labelled image file.
type Sample struct {
	Path  string // absolute (root-joined) path
	Label int    // index into Dataset.Classes
}

// SkipReport counts the files that listing ignored (OS litter, hidden files,
// non-images, files with no label). Nothing is dropped silently: Count is
// every skipped entry and Examples holds the first few as "path: reason".
type SkipReport struct {
	Count    int
	Examples []string
}

// maxExamples bounds SkipReport.Examples and LoadStats.FailedExamples.
const maxExamples = 10

func (r *SkipReport) add(path, reason string) {
	r.Count++
	if len(r.Examples) < maxExamples {
		r.Examples = append(r.Examples, path+": "+reason)
	}
}

// Split is one partition (train or val) of a dataset: listed files (Samples) or, for
// the "shards" layout, packed tar files (Shards; Samples is then empty). Len counts both.
type Split struct {
	Name    string
	Samples []Sample
	Shards  []ShardFile // File is an absolute path
	Ignored SkipReport
}

// Dataset is what Open found under Root.
type Dataset struct {
	Root   string
	Layout string // "folders", "numbered" (class folders 0..N-1, as ImageNet-V2), "devkit", "kaggle" or "shards"
	// Classes: Index is the position of WNID in the sorted list of class folder names
	// (or wnids), the torchvision/timm convention.
	Classes []label.Class
	Train   *Split // nil when absent
	Val     *Split // nil when absent
	// Shards is the "shards" layout's index.json (nil for the other layouts).
	Shards *ShardIndex
}

// Options tune Open.
type Options struct {
	// DevkitMapping is an optional id→wnid table for the devkit layout: the
	// devkit's meta.mat, or text lines `id wnid`, `wnid id …` (map_clsloc.txt)
	// or one `wnid` per line in id order. Without it, meta.mat or map_clsloc.txt
	// next to the ground truth is used.
	DevkitMapping string
	// CacheDir holds the listing cache when Root is read-only. "" means
	// root/.tfvision-index, falling back to os.UserCacheDir()/tfvision.
	CacheDir string
	// NoCache disables reading and writing the listing cache.
	NoCache bool
}

// ClassNames returns the human-readable class names in class-index order.
func (d *Dataset) ClassNames() []string {
	out := make([]string, len(d.Classes))
	for i, c := range d.Classes {
		out[i] = c.Name
	}
	return out
}
