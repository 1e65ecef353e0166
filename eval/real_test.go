package eval

import (
	"slices"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/imagenet"
)

// TestRealBySampleUsesFileOrder: ReaL lists are in validation-file order; a split listed
// class folder by class folder gets them by file name, wherever the file sits.
func TestRealBySampleUsesFileOrder(t *testing.T) {
	split := &imagenet.Split{Samples: []imagenet.Sample{
		{Path: "/v/n01/ILSVRC2012_val_00000003.JPEG", Label: 0},
		{Path: "/v/n01/ILSVRC2012_val_00000001.JPEG", Label: 0},
		{Path: "/v/n02/ILSVRC2012_val_00000002.JPEG", Label: 1},
	}}
	real := [][]int{{0}, {}, {1, 2}} // val_1, val_2, val_3
	got, err := RealBySample(real, split, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 2}, {0}, {}}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("sample %d (%s): %v, want %v", i, split.Samples[i].Path, got[i], want[i])
		}
	}
	if _, err := RealBySample([][]int{{0}, {}, {3}}, split, 3); err == nil || !strings.Contains(err.Error(), "label 3") {
		t.Errorf("label out of range: %v", err)
	}
	if _, err := RealBySample(real[:2], split, 3); err == nil {
		t.Error("2 lists for 3 images: want an error")
	}
}
