package eval

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/vision"
)

func TestSoftmaxAndTopK(t *testing.T) {
	p := Softmax([]float32{1, 3, 2, 3})
	e1, e2, e3 := math.Exp(1), math.Exp(2), math.Exp(3)
	sum := e1 + e2 + 2*e3
	want := []float64{e1 / sum, e3 / sum, e2 / sum, e3 / sum}
	for i := range want {
		if math.Abs(p[i]-want[i]) > 1e-12 {
			t.Errorf("softmax[%d] = %.15f, want %.15f", i, p[i], want[i])
		}
	}
	// Ties go to the lower index; k is clamped to [0, n].
	if got := TopK(p, 3); !reflect.DeepEqual(got, []int{1, 3, 2}) {
		t.Errorf("TopK = %v, want [1 3 2]", got)
	}
	if got := TopK(p, 10); len(got) != 4 {
		t.Errorf("TopK(10) of 4 values returned %d", len(got))
	}
	if got := TopK(p, -1); len(got) != 0 {
		t.Errorf("TopK(-1) = %v, want empty", got)
	}
	// Large logits must not overflow.
	if q := Softmax([]float32{1000, 1000}); math.Abs(q[0]-0.5) > 1e-12 {
		t.Errorf("softmax of large equal logits = %v", q)
	}
}

func TestBaselinesSizeClasses(t *testing.T) {
	for dim, size := range map[int]string{192: "Ti", 384: "S", 768: "B", 1024: "L", 64: ""} {
		if got := SizeOf(vision.Config{Dim: dim}); got != size {
			t.Errorf("SizeOf(dim %d) = %q, want %q", dim, got, size)
		}
	}
}

// TestEveryPresetHasSizeClass: SizeOf reads the width of the config, not a list of presets,
// so a new vision preset needs no edit here as long as its width is a ViT size class; this
// fails, naming the preset, when one is not (or its name says another class), and when its
// class has no published baseline to print next to it.
func TestEveryPresetHasSizeClass(t *testing.T) {
	for _, name := range vision.PresetNames() {
		c, err := vision.Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		size := SizeOf(c)
		if size == "" {
			t.Errorf("preset %s: width %d has no size class in SizeOf", name, c.Dim)
			continue
		}
		// "vit-b16", "tokenformer-l16-matched": the class is the letters before the patch size.
		_, rest, _ := strings.Cut(name, "-")
		if want := strings.TrimRight(strings.SplitN(rest, "-", 2)[0], "0123456789"); !strings.EqualFold(size, want) {
			t.Errorf("preset %s: SizeOf = %q, the name says %q", name, size, want)
		}
		if len(BaselinesFor(c)) == 0 {
			t.Errorf("preset %s: no published baseline for size class %s", name, size)
		}
	}
}
