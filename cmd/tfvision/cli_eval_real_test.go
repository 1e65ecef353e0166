package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/predict"
)

// TestEvalConfusionAndPrecisionRecall: the JSON's confusion matrix and per-class
// precision/recall equal what predict's top-1 and the folder labels give.
func TestEvalConfusionAndPrecisionRecall(t *testing.T) {
	_, jsonPath := getFixtureEval(t)
	r := readEvalReport(t, jsonPath).Result
	want := [3][3]int{}
	for _, p := range getValPredictions(t) {
		want[trueLabel(t, p.Path)][p.Top[0].Index]++
	}
	if len(r.Confusion) != 3 {
		t.Fatalf("confusion has %d rows, want 3", len(r.Confusion))
	}
	for i := range 3 {
		if !slices.Equal(r.Confusion[i], want[i][:]) {
			t.Errorf("confusion row %d = %v, counted from predict %v", i, r.Confusion[i], want[i])
		}
		predicted, count := 0, 0
		for j := range 3 {
			predicted += want[j][i]
			count += want[i][j]
		}
		c := r.PerClass[i]
		if c.Predicted != predicted || (predicted > 0 && c.Precision != float64(want[i][i])/float64(predicted)) ||
			c.Recall != float64(want[i][i])/float64(count) {
			t.Errorf("class %d: predicted %d precision %v recall %v; want %d, %d/%d, %d/%d", i, c.Predicted, c.Precision, c.Recall,
				predicted, want[i][i], predicted, want[i][i], count)
		}
	}
}

// TestEvalRealLabels: --real-labels scores top-1 against per-image label lists given in
// validation-file order (files sorted by name), skipping images without labels.
func TestEvalRealLabels(t *testing.T) {
	f := getFixture(t)
	preds := getValPredictions(t)
	byName := slices.Clone(preds)
	slices.SortStableFunc(byName, func(a, b predict.Prediction) int {
		if c := strings.Compare(filepath.Base(a.Path), filepath.Base(b.Path)); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	// Lists that make the ReaL score differ from the folder-label one: every 4th image has
	// no labels, others have the prediction, a wrong class, or the true label only.
	real := make([][]int, len(byName))
	images, correct := 0, 0
	for i, p := range byName {
		top, truth := p.Top[0].Index, trueLabel(t, p.Path)
		switch i % 4 {
		case 0:
			real[i] = []int{}
			continue
		case 1:
			real[i] = []int{(top + 1) % 3, top}
		case 2:
			real[i] = []int{(top + 1) % 3}
		case 3:
			real[i] = []int{truth}
		}
		images++
		if slices.Contains(real[i], top) {
			correct++
		}
	}
	dir := t.TempDir()
	realPath, jsonPath := filepath.Join(dir, "real.json"), filepath.Join(dir, "eval.json")
	data, _ := json.Marshal(real)
	if err := os.WriteFile(realPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, "", "eval", "--checkpoint", f.run, "--data", f.data, "--batch", "12", "--real-labels", realPath, "--json", jsonPath)
	if res.err != nil {
		t.Fatalf("eval --real-labels: %v\n%s", res.err, res.stdout)
	}
	wantTop1 := 100 * float64(correct) / float64(images)
	rr := readEvalReport(t, jsonPath).Result.Real
	if rr == nil || rr.Images != images || rr.Skipped != len(real)-images || rr.Top1 != wantTop1 {
		t.Fatalf("real = %+v, want %d images, %d skipped, top-1 %v", rr, images, len(real)-images, wantTop1)
	}
	if want := "ReaL top-1 " + strconv.FormatFloat(wantTop1, 'f', 2, 64) + "%"; !strings.Contains(res.stdout, want) {
		t.Errorf("output lacks %q:\n%s", want, res.stdout)
	}
	// A list that does not cover the split is refused.
	data, _ = json.Marshal(real[1:])
	if err := os.WriteFile(realPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res = runCLI(t, "", "eval", "--checkpoint", f.run, "--data", f.data, "--real-labels", realPath)
	if res.err == nil || !strings.Contains(res.err.Error(), "the validation split has") {
		t.Errorf("short ReaL list: %v", res.err)
	}
}
