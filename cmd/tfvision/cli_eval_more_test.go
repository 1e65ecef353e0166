package main

import (
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/eval"
)

var top1Line = regexp.MustCompile(`(?m)^top-1 \S+%  top-5 \S+%`)

// TestEvalImageNetV2Layout: the fixture's validation set copied into folders named by class
// index (ImageNet-V2's layout) evaluates to the same top-1/top-5 as the original wnid-style
// folders, with folder N taken as the run's class N.
func TestEvalImageNetV2Layout(t *testing.T) {
	f := getFixture(t)
	want, _ := getFixtureEval(t)
	sorted := append([]string(nil), fixtureClasses...)
	sort.Strings(sorted)
	byIndex := map[string]string{}
	for i, cls := range sorted {
		byIndex[cls] = strconv.Itoa(i)
	}
	v2 := copyVal(t, f.data, byIndex, nil)
	res := runCLI(t, "", "eval", "--checkpoint", f.run, "--data", v2, "--batch", "12")
	if res.err != nil {
		t.Fatalf("eval on the V2 tree: %v\n%s", res.err, res.stdout)
	}
	if !strings.Contains(res.stdout, "ImageNet-V2 layout: folder N = class N") {
		t.Errorf("no V2 notice:\n%s", res.stdout)
	}
	got, orig := top1Line.FindString(res.stdout), top1Line.FindString(want)
	if got == "" || got != orig {
		t.Errorf("V2 tree: %q, original folders: %q", got, orig)
	}
}

// TestEvalConfusionPNG: --confusion-png writes a PNG of the heat map's size for the run's
// classes.
func TestEvalConfusionPNG(t *testing.T) {
	f := getFixture(t)
	path := filepath.Join(t.TempDir(), "confusion.png")
	res := runCLI(t, "", "eval", "--checkpoint", f.run, "--data", f.data, "--batch", "12", "--confusion-png", path)
	if res.err != nil {
		t.Fatalf("eval: %v\n%s", res.err, res.stdout)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	w, h := eval.HeatMapSize(len(fixtureClasses))
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("PNG is %v, want %d×%d", b, w, h)
	}
	if !strings.Contains(res.stdout, "confusion heat map: "+path) {
		t.Errorf("stdout does not name the PNG:\n%s", res.stdout)
	}
}

// TestEvalCompareMeasured: two tiny runs evaluated on the same data; the second eval with
// --compare lists both runs with the top-1 each eval printed, and each run keeps its result
// in RUN/evals/.
func TestEvalCompareMeasured(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	runs := []string{filepath.Join(dir, "runA"), filepath.Join(dir, "runB")}
	for i, run := range runs {
		args := append([]string{"train", "--config", "demo", "--data", f.data, "--out", run}, tinyModelArgs...)
		args = append(args, "--set", "optim.epochs="+strconv.Itoa(1+2*i))
		if res := runCLI(t, "", args...); res.err != nil {
			t.Fatalf("train %s: %v\n%s", run, res.err, res.stderr)
		}
	}
	top1 := regexp.MustCompile(`(?m)^top-1 (\S+)%`)
	resA := runCLI(t, "", "eval", "--checkpoint", runs[0], "--data", f.data, "--batch", "12")
	if resA.err != nil {
		t.Fatalf("eval A: %v\n%s", resA.err, resA.stdout)
	}
	resB := runCLI(t, "", "eval", "--checkpoint", runs[1], "--data", f.data, "--batch", "12", "--compare", runs[0]+","+filepath.Join(dir, "never"))
	if resB.err != nil {
		t.Fatalf("eval B: %v\n%s", resB.err, resB.stdout)
	}
	_, table, ok := strings.Cut(resB.stdout, "measured on ")
	if !ok {
		t.Fatalf("no measured table:\n%s", resB.stdout)
	}
	for i, res := range []cliResult{resA, resB} {
		m := top1.FindStringSubmatch(res.stdout)
		if m == nil {
			t.Fatalf("no top-1 in:\n%s", res.stdout)
		}
		row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(runs[i]) + `\s+\S+( \(this run\))?\s+` + regexp.QuoteMeta(m[1]) + `\s`)
		if !row.MatchString(table) {
			t.Errorf("measured table has no row for %s with top-1 %s:\n%s", runs[i], m[1], table)
		}
		if ents, err := os.ReadDir(filepath.Join(runs[i], "evals")); err != nil || len(ents) != 1 {
			t.Errorf("%s/evals: %d files, %v; want one", runs[i], len(ents), err)
		}
	}
	if !strings.Contains(table, "runB (this run)") {
		t.Errorf("this run's row is not marked:\n%s", table)
	}
	if !strings.Contains(table, filepath.Join(dir, "never")+": no eval on this data") {
		t.Errorf("the run without an eval is not named:\n%s", table)
	}
}
