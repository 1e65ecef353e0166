package eval

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMeasuredRoundTrip: the last eval per data set and weights is kept; other data sets
// are not returned; the table lists best first.
func TestMeasuredRoundTrip(t *testing.T) {
	run := t.TempDir()
	data, other := filepath.Join(t.TempDir(), "val"), filepath.Join(t.TempDir(), "val")
	date := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, m := range []Measured{
		{Run: run, Model: "m", Data: data, Images: 10, Top1: 50, Top5: 90, Date: date},
		{Run: run, Model: "m", Data: data, Images: 12, Top1: 75, Top5: 100, Date: date}, // replaces the first
		{Run: run, Model: "m", Data: data, EMA: true, Images: 12, Top1: 80, Top5: 100, Date: date},
		{Run: run, Model: "m", Data: other, Images: 3, Top1: 1, Date: date},
	} {
		if err := SaveMeasured(run, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := LoadMeasured(run, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Top1 != 75 || got[0].Images != 12 || !got[1].EMA || got[1].Top1 != 80 {
		t.Fatalf("LoadMeasured = %+v", got)
	}
	if none, err := LoadMeasured(t.TempDir(), data); err != nil || len(none) != 0 {
		t.Errorf("a run without evals: %v, %v", none, err)
	}
	if err := SaveMeasured(run, Measured{Data: "relative"}); err == nil {
		t.Error("a relative data path was saved")
	}
	var buf bytes.Buffer
	WriteMeasured(&buf, got)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "m (EMA)") || !strings.Contains(lines[1], "80.00") ||
		!strings.Contains(lines[2], "75.00") || !strings.Contains(lines[2], "2026-11-30 12:00") {
		t.Errorf("table:\n%s", buf.String())
	}
}
