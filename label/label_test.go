package label

import (
	"encoding/json"
	"testing"
)

// A checkpoint's class table round-trips through JSON without the index (the position is
// the label), and Renumber restores it.
func TestJSONRoundTripKeepsLabelsByPosition(t *testing.T) {
	in := []Class{{Index: 0, WNID: "n01440764", Name: "tench"}, {Index: 1, Name: "goldfish"}}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"wnid":"n01440764","name":"tench"},{"name":"goldfish"}]`; string(data) != want {
		t.Fatalf("JSON %s, want %s (the format checkpoints have always stored)", data, want)
	}
	var out []Class
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out[1].Index != 0 {
		t.Fatalf("index %d before Renumber: JSON should not carry it", out[1].Index)
	}
	Renumber(out)
	for i := range in {
		if out[i] != in[i] {
			t.Errorf("class %d: %+v, want %+v", i, out[i], in[i])
		}
	}
}
