package vision

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestResamplePosEmbedMatchesTorch compares with PyTorch's F.interpolate(mode="bicubic",
// align_corners=False) results written by scripts/make_timm_fixture.py (up- and
// downsampling; the CLS row is kept).
func TestResamplePosEmbedMatchesTorch(t *testing.T) {
	data, err := os.ReadFile("../testdata/posembed_resample.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			OldGrid int       `json:"old_grid"`
			NewGrid int       `json:"new_grid"`
			Dim     int       `json:"dim"`
			Input   []float32 `json:"input"`
			Output  []float32 `json:"output"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range fx.Cases {
		got, err := ResamplePosEmbed(c.Input, 1, c.OldGrid, c.NewGrid, c.Dim)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.Output) {
			t.Fatalf("%d→%d: %d values, want %d", c.OldGrid, c.NewGrid, len(got), len(c.Output))
		}
		worst := 0.0
		for i := range got {
			worst = math.Max(worst, math.Abs(float64(got[i]-c.Output[i])))
		}
		if worst > 1e-5 {
			t.Errorf("grid %d→%d: max abs diff %g from PyTorch", c.OldGrid, c.NewGrid, worst)
		}
		for i := 0; i < c.Dim; i++ {
			if got[i] != c.Input[i] {
				t.Fatalf("CLS row changed")
			}
		}
	}
	if _, err := ResamplePosEmbed(make([]float32, 10), 1, 3, 4, 1); err != nil {
		t.Errorf("1 + 3² rows of width 1: %v", err)
	}
	if _, err := ResamplePosEmbed(make([]float32, 11), 1, 3, 4, 1); err == nil {
		t.Error("11 values for 1 + 3² rows: want an error")
	}
}
