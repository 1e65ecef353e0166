package eval

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/tfvision/tfvision/vision"
)

// Baseline is a published ImageNet-1k top-1 (224 px unless noted), from the TokenFormer
// paper's ImageNet table (ICLR 2025, arXiv 2410.23168).
type Baseline struct {
	Size   string  // "Ti", "S", "B", "L"
	Model  string  // as published
	Top1   float64 // %
	Params string
	Note   string
}

// Baselines are the rows of that table and the smaller DeiT anchors (DeiT, arXiv 2012.12877).
var Baselines = []Baseline{
	{"Ti", "DeiT-Ti", 72.2, "5.7M", "DeiT recipe"},
	{"S", "DeiT-S", 79.8, "22M", "DeiT recipe"},
	{"B", "ViT-B/16", 77.9, "86M", "original, 384 px"},
	{"B", "DeiT-B/16", 81.8, "86M", "DeiT recipe"},
	{"B", "ViT-B/16", 82.3, "86M", "MAE supervised recipe"},
	{"B", "TokenFormer-B/16†", 82.1, "86M", "ViT-B matched"},
	{"B", "TokenFormer-B/16", 82.5, "109M", ""},
	{"L", "ViT-L/16", 76.5, "307M", "original, 384 px"},
	{"L", "ViT-L/16", 82.6, "307M", "MAE supervised recipe"},
	{"L", "TokenFormer-L/16†", 83.0, "307M", "ViT-L matched"},
	{"L", "TokenFormer-L/16", 83.1, "407M", ""},
}

// SizeOf maps a model to its ViT size class by width ("" when it matches none). It reads the
// config rather than listing presets, so vision's presets stay the one table;
// TestEveryPresetHasSizeClass checks that every preset has a class.
func SizeOf(c vision.Config) string {
	switch c.Dim {
	case 192:
		return "Ti"
	case 384:
		return "S"
	case 768:
		return "B"
	case 1024:
		return "L"
	}
	return ""
}

// BaselinesFor returns the rows of the model's size class.
func BaselinesFor(c vision.Config) []Baseline {
	size := SizeOf(c)
	var out []Baseline
	for _, b := range Baselines {
		if b.Size == size {
			out = append(out, b)
		}
	}
	return out
}

// WriteTable prints the result next to the baselines of its size class, best first.
func WriteTable(w io.Writer, name string, params int, c vision.Config, r Result) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "model\tparams\ttop-1\ttop-5\tnote\n")
	fmt.Fprintf(tw, "%s (this run)\t%.1fM\t%.2f\t%.2f\t%d images\n", name, float64(params)/1e6, r.Top1, r.Top5, r.Images)
	rows := BaselinesFor(c)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Top1 > rows[j].Top1 })
	if len(rows) == 0 {
		fmt.Fprintf(tw, "(no published ImageNet-1k baseline for width %d)\t\t\t\t\n", c.Dim)
	}
	for _, b := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t\t%s\n", b.Model, b.Params, b.Top1, b.Note)
	}
	tw.Flush()
}
