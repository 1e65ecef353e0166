package run

import (
	"testing"

	"github.com/tfvision/tfvision/label"
)

// TestV2Mapped: numbered data classes map onto a checkpoint trained on wnid folders, never
// onto one trained on numbered folders (compared name by name) or of another size.
func TestV2Mapped(t *testing.T) {
	data := []label.Class{{Index: 0, WNID: "0", Name: "0"}, {Index: 1, WNID: "1", Name: "1"}}
	wnids := []label.Class{{WNID: "n01440764", Name: "tench"}, {WNID: "n01443537", Name: "goldfish"}}
	numbered := []label.Class{{WNID: "1", Name: "1"}, {WNID: "0", Name: "0"}}
	if !V2Mapped(data, wnids) {
		t.Error("V2 data vs a wnid checkpoint: not mapped")
	}
	if V2Mapped(data, numbered) || V2Mapped(data, nil) || V2Mapped(data, wnids[:1]) {
		t.Error("mapped onto numbered, missing or differently sized checkpoint classes")
	}
	if V2Mapped([]label.Class{data[1], data[0]}, wnids) {
		t.Error("mapped data whose classes are not 0..N-1 in order")
	}
}
