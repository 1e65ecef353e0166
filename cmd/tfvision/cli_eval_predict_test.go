package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/predict"
)

// evalReport is the JSON `tfvision eval --json` writes.
type evalReport struct {
	Checkpoint string          `json:"checkpoint"`
	Step       int64           `json:"step"`
	Result     eval.Result     `json:"result"`
	Baselines  []eval.Baseline `json:"baselines"`
}

func readEvalReport(t *testing.T, path string) evalReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep evalReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, data)
	}
	return rep
}

// TestEvalAgreesWithPredict: eval's top-1/top-5 and per-class counts must equal what we count
// ourselves from predict's top-k output and the folder labels, and the model must have
// learned the easy 3-colour task.
func TestEvalAgreesWithPredict(t *testing.T) {
	f := getFixture(t)
	stdout, jsonPath := getFixtureEval(t)
	rep := readEvalReport(t, jsonPath)
	// eval and predict must have loaded the same checkpoint (the run's best).
	if filepath.Base(rep.Checkpoint) != checkpoint.BestName && !strings.Contains(rep.Checkpoint, "step-") {
		t.Errorf("eval used checkpoint %q", rep.Checkpoint)
	}

	preds := getValPredictions(t)
	total := 3 * fixtureValPerClass
	if len(preds) != total {
		t.Fatalf("predict returned %d predictions, want %d", len(preds), total)
	}
	var top1, top5 int
	var lossSum float64
	perCount := make([]int, 3)
	perCorrect := make([]int, 3)
	for _, p := range preds {
		if p.Err != "" {
			t.Fatalf("%s: unexpected error %s", p.Path, p.Err)
		}
		if len(p.Top) != 3 {
			t.Fatalf("%s: %d labels, want 3 (--topk 3)", p.Path, len(p.Top))
		}
		label := trueLabel(t, p.Path)
		perCount[label]++
		if p.Top[0].Index == label {
			top1++
			perCorrect[label]++
		}
		for _, l := range p.Top[:min(5, len(p.Top))] {
			if l.Index == label {
				top5++
			}
		}
		for _, l := range p.Top { // --topk 3 lists every class: the true one is there
			if l.Index == label {
				lossSum -= math.Log(math.Max(l.Prob, 1e-30))
			}
		}
	}
	wantTop1 := 100 * float64(top1) / float64(total)
	wantTop5 := 100 * float64(top5) / float64(total)
	r := rep.Result
	if r.Images != total {
		t.Errorf("eval images = %d, want %d", r.Images, total)
	}
	if r.Top1 != wantTop1 || r.Top5 != wantTop5 {
		t.Errorf("eval top-1/top-5 = %v/%v %%, counted from predict %v/%v %%", r.Top1, r.Top5, wantTop1, wantTop5)
	}
	if wantLoss := lossSum / float64(total); math.Abs(r.Loss-wantLoss) > 1e-4 {
		t.Errorf("eval loss = %.6f, predict's probabilities give %.6f", r.Loss, wantLoss)
	}
	t.Logf("top-1 %.2f%%, loss %.4f (checkpoint %s)", wantTop1, r.Loss, rep.Checkpoint)
	if wantTop5 != 100 {
		t.Errorf("top-5 over 3 classes must be 100%%, got %v", wantTop5)
	}
	if wantTop1 < 90 {
		t.Errorf("the tiny model did not learn the colour task: top-1 %.2f%% < 90%%\ntrain output:\n%s", wantTop1, f.trainOut)
	}
	if r.Failed != 0 {
		t.Errorf("eval failed files = %d", r.Failed)
	}
	if len(r.PerClass) != 3 {
		t.Fatalf("per_class has %d rows, want 3", len(r.PerClass))
	}
	sortedNames := append([]string(nil), fixtureClasses...)
	sort.Strings(sortedNames)
	for i, c := range r.PerClass {
		if c.Index != i || c.WNID != sortedNames[i] || c.Name != sortedNames[i] {
			t.Errorf("per_class[%d] = index %d wnid %q name %q, want %d %q", i, c.Index, c.WNID, c.Name, i, sortedNames[i])
		}
		if c.Count != perCount[i] || c.Correct != perCorrect[i] {
			t.Errorf("per_class[%d] (%s): count %d correct %d, counted from predict %d %d", i, c.Name, c.Count, c.Correct, perCount[i], perCorrect[i])
		}
		if want := 100 * float64(perCorrect[i]) / float64(perCount[i]); c.Top1 != want {
			t.Errorf("per_class[%d] top1 = %v, want %v", i, c.Top1, want)
		}
	}
	// The printed summary line carries the same numbers.
	if want := "top-1 " + strconv.FormatFloat(wantTop1, 'f', 2, 64) + "%"; !strings.Contains(stdout, want) {
		t.Errorf("eval output lacks %q:\n%s", want, stdout)
	}
	// The names predict prints are the folder names, index-aligned.
	for _, p := range preds {
		for _, l := range p.Top {
			if l.Name != sortedNames[l.Index] || l.WNID != sortedNames[l.Index] {
				t.Errorf("%s: label index %d named %q/%q, want %q", p.Path, l.Index, l.WNID, l.Name, sortedNames[l.Index])
			}
		}
	}
}

// TestPredictReportsUnreadableFiles: good files are still classified (as before), bad ones
// get an error field, and the command fails naming how many.
func TestPredictReportsUnreadableFiles(t *testing.T) {
	f := getFixture(t)
	base := predByBase(getValPredictions(t))
	dir := t.TempDir()
	good := []string{"blue_000.png", "green_003.png", "red_007.png", "red_011.png"}
	for _, name := range good {
		cls := strings.SplitN(name, "_", 2)[0]
		data, err := os.ReadFile(filepath.Join(f.data, "val", cls, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if name == "red_007.png" { // also the source of the truncated file
			if err := os.WriteFile(filepath.Join(dir, "trunc.png"), data[:len(data)/2], 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.jpg"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.jpg"), []byte("this is not an image\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := []string{"empty.jpg", "trunc.png", "x.jpg"}

	for _, format := range []string{"json", "jsonl", "csv", "table"} {
		t.Run(format, func(t *testing.T) {
			res := runCLI(t, "", "predict", "--checkpoint", f.run, "--format", format, "--topk", "3", dir)
			if res.err == nil {
				t.Fatalf("predict with unreadable files returned no error\n%s", res.stdout)
			}
			if !strings.Contains(res.err.Error(), "3 of 7 files") {
				t.Errorf("error %q does not say 3 of 7 files failed", res.err)
			}
			if !strings.Contains(res.stderr, "3 unreadable") {
				t.Errorf("stderr %q does not count 3 unreadable files", res.stderr)
			}
			rows := parsePredictOutput(t, format, res.stdout)
			if len(rows) != len(good)+len(bad) {
				t.Fatalf("%d files in the output, want %d:\n%s", len(rows), len(good)+len(bad), res.stdout)
			}
			for _, name := range bad {
				r, ok := rows[name]
				if !ok {
					t.Errorf("%s missing from the output", name)
					continue
				}
				if r.err == "" || len(r.top) != 0 {
					t.Errorf("%s: error %q, %d labels; want an error and no labels", name, r.err, len(r.top))
				}
			}
			if r := rows["empty.jpg"]; !strings.Contains(r.err, "empty") {
				t.Errorf("empty.jpg error %q does not say the file is empty", r.err)
			}
			if r := rows["trunc.png"]; !strings.Contains(r.err, "trunc") && !strings.Contains(r.err, "EOF") {
				t.Errorf("trunc.png error %q does not say the file is truncated", r.err)
			}
			for _, name := range good {
				r := rows[name]
				if r.err != "" || len(r.top) != 3 {
					t.Errorf("%s: error %q, %d labels; want 3 labels", name, r.err, len(r.top))
					continue
				}
				want := base[name].Top[0]
				if r.top[0].name != want.Name {
					t.Errorf("%s: top-1 %s, but %s when predicted with the whole val folder", name, r.top[0].name, want.Name)
				}
				tol := 1e-6 // json: exact up to batch-size rounding; csv: 6 decimals
				if format == "table" {
					tol = 5e-5 // 4 decimals
				}
				if math.Abs(r.top[0].prob-want.Prob) > tol {
					t.Errorf("%s: top-1 prob %.6f, was %.6f", name, r.top[0].prob, want.Prob)
				}
			}
		})
	}
}

// predLabel and predRow are predict output parsed from any of the three formats.
type predLabel struct {
	index int // -1 for table (it prints names only)
	name  string
	prob  float64
}

type predRow struct {
	path  string
	order int // position of the file in the output
	top   []predLabel
	err   string
}

// parsePredictOutput parses predict's stdout into rows keyed by file base name.
func parsePredictOutput(t *testing.T, format, out string) map[string]*predRow {
	t.Helper()
	rows := map[string]*predRow{}
	get := func(path string) *predRow {
		key := filepath.Base(path)
		r, ok := rows[key]
		if !ok {
			r = &predRow{path: path, order: len(rows)}
			rows[key] = r
		}
		return r
	}
	switch format {
	case "json", "jsonl":
		var preds []predict.Prediction
		if format == "json" {
			if err := json.Unmarshal([]byte(out), &preds); err != nil {
				t.Fatalf("json: %v\n%s", err, out)
			}
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if format == "json" || line == "" {
				break
			}
			var p predict.Prediction
			if err := json.Unmarshal([]byte(line), &p); err != nil {
				t.Fatalf("jsonl line %q: %v", line, err)
			}
			preds = append(preds, p)
		}
		for _, p := range preds {
			r := get(p.Path)
			r.err = p.Err
			for _, l := range p.Top {
				r.top = append(r.top, predLabel{l.Index, l.Name, l.Prob})
			}
		}
	case "csv":
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("csv: %v\n%s", err, out)
		}
		if len(recs) == 0 || strings.Join(recs[0], ",") != "path,rank,index,wnid,name,prob,error" {
			t.Fatalf("csv header: %v", recs)
		}
		for _, rec := range recs[1:] {
			r := get(rec[0])
			if rec[6] != "" {
				r.err = rec[6]
				if rec[1] != "" || rec[5] != "" {
					t.Errorf("csv error row with rank/prob: %v", rec)
				}
				continue
			}
			rank, err1 := strconv.Atoi(rec[1])
			idx, err2 := strconv.Atoi(rec[2])
			prob, err3 := strconv.ParseFloat(rec[5], 64)
			if err1 != nil || err2 != nil || err3 != nil {
				t.Fatalf("csv row %v: %v %v %v", rec, err1, err2, err3)
			}
			if rank != len(r.top)+1 {
				t.Errorf("csv %s: rank %d after %d labels", rec[0], rank, len(r.top))
			}
			if rec[3] != rec[4] {
				t.Errorf("csv %s: wnid %q != name %q for folder classes", rec[0], rec[3], rec[4])
			}
			r.top = append(r.top, predLabel{idx, rec[4], prob})
		}
	case "table":
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) == 0 || strings.Join(strings.Fields(lines[0]), " ") != "path rank class prob" {
			t.Fatalf("table header: %q", lines[0])
		}
		for _, line := range lines[1:] {
			fields := strings.Fields(line)
			if len(fields) < 3 {
				t.Fatalf("table line %q", line)
			}
			r := get(fields[0])
			if fields[1] == "-" {
				rest := strings.TrimSpace(strings.SplitN(line, " - ", 2)[1])
				if !strings.HasPrefix(rest, "error: ") {
					t.Errorf("table error line %q", line)
				}
				r.err = strings.TrimPrefix(rest, "error: ")
				continue
			}
			if len(fields) != 4 {
				t.Fatalf("table line %q: want path rank class prob", line)
			}
			rank, err1 := strconv.Atoi(fields[1])
			prob, err2 := strconv.ParseFloat(fields[3], 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("table line %q: %v %v", line, err1, err2)
			}
			if rank != len(r.top)+1 {
				t.Errorf("table %s: rank %d after %d labels", fields[0], rank, len(r.top))
			}
			r.top = append(r.top, predLabel{-1, fields[2], prob})
		}
	default:
		t.Fatalf("format %q", format)
	}
	return rows
}

// TestPredictFormatsAgree: table, json and csv of the same folder name the same top-1 class
// with the same probability for every file; each top-k is sorted descending and sums to ≤ 1.
func TestPredictFormatsAgree(t *testing.T) {
	f := getFixture(t)
	dir := filepath.Join(f.data, "val")
	parsed := map[string]map[string]*predRow{}
	for _, format := range []string{"table", "json", "jsonl", "csv"} {
		res := runCLI(t, "", "predict", "--checkpoint", f.run, "--format", format, "--topk", "2", dir)
		if res.err != nil {
			t.Fatalf("predict --format %s: %v\n%s", format, res.err, res.stderr)
		}
		parsed[format] = parsePredictOutput(t, format, res.stdout)
	}
	js := parsed["json"]
	if len(js) != 3*fixtureValPerClass {
		t.Fatalf("json has %d files, want %d", len(js), 3*fixtureValPerClass)
	}
	for format, rows := range parsed {
		if len(rows) != len(js) {
			t.Errorf("%s has %d files, json %d", format, len(rows), len(js))
		}
		for name, r := range rows {
			j, ok := js[name]
			if !ok {
				t.Errorf("%s: %s not in json", format, name)
				continue
			}
			if r.order != j.order {
				t.Errorf("%s: %s is file %d, json file %d", format, name, r.order, j.order)
			}
			if r.err != "" || len(r.top) != 2 {
				t.Errorf("%s %s: error %q, %d labels (want 2)", format, name, r.err, len(r.top))
				continue
			}
			if r.top[0].name != j.top[0].name {
				t.Errorf("%s %s: top-1 %s, json %s", format, name, r.top[0].name, j.top[0].name)
			}
			tol := 1e-6 // csv prints 6 decimals
			if format == "table" {
				tol = 5e-5 // 4 decimals
			}
			if math.Abs(r.top[0].prob-j.top[0].prob) > tol {
				t.Errorf("%s %s: top-1 prob %v, json %v", format, name, r.top[0].prob, j.top[0].prob)
			}
			if format == "csv" && r.top[0].index != j.top[0].index {
				t.Errorf("csv %s: top-1 index %d, json %d", name, r.top[0].index, j.top[0].index)
			}
			var sum float64
			for i, l := range r.top {
				sum += l.prob
				if l.prob < 0 || l.prob > 1 {
					t.Errorf("%s %s: prob %v outside [0,1]", format, name, l.prob)
				}
				if i > 0 && l.prob > r.top[i-1].prob {
					t.Errorf("%s %s: probabilities not sorted descending: %+v", format, name, r.top)
				}
				if i > 0 && l.name == r.top[0].name {
					t.Errorf("%s %s: class %s listed twice", format, name, l.name)
				}
			}
			if sum > 1+tol*float64(len(r.top)) {
				t.Errorf("%s %s: top-2 probabilities sum to %v > 1", format, name, sum)
			}
		}
	}
	// Top-1 with --topk 2 is the same as with --topk 3.
	base := predByBase(getValPredictions(t))
	for name, j := range js {
		if b := base[name]; b.Top[0].Index != j.top[0].index || math.Abs(b.Top[0].Prob-j.top[0].prob) > 1e-9 {
			t.Errorf("%s: --topk 2 top-1 %d (%v), --topk 3 %d (%v)", name, j.top[0].index, j.top[0].prob, b.Top[0].Index, b.Top[0].Prob)
		}
		// With --topk 3 (all classes) the probabilities sum to 1.
		var sum float64
		for _, l := range base[name].Top {
			sum += l.Prob
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Errorf("%s: probabilities over all 3 classes sum to %v", name, sum)
		}
	}
}

// TestPredictStdin: "-" reads newline-separated paths from stdin, skipping blank lines, and
// keeps their order.
func TestPredictStdin(t *testing.T) {
	f := getFixture(t)
	paths := []string{
		filepath.Join(f.data, "val", "red", "red_002.png"),
		filepath.Join(f.data, "val", "blue", "blue_005.png"),
		filepath.Join(f.data, "val", "green", "green_010.png"),
	}
	stdin := paths[0] + "\n\n  " + paths[1] + "  \n" + paths[2] // blank line, padding, no final newline
	res := runCLI(t, stdin, "predict", "--checkpoint", f.run, "--format", "json", "--topk", "3", "-")
	if res.err != nil {
		t.Fatalf("predict -: %v\n%s", res.err, res.stderr)
	}
	var preds []predict.Prediction
	if err := json.Unmarshal([]byte(res.stdout), &preds); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	if len(preds) != len(paths) {
		t.Fatalf("%d predictions, want %d:\n%s", len(preds), len(paths), res.stdout)
	}
	base := predByBase(getValPredictions(t))
	for i, p := range preds {
		if p.Path != paths[i] {
			t.Errorf("prediction %d is for %q, want %q", i, p.Path, paths[i])
		}
		if p.Err != "" || len(p.Top) != 3 {
			t.Errorf("%s: error %q, %d labels", p.Path, p.Err, len(p.Top))
			continue
		}
		want := base[filepath.Base(paths[i])].Top[0]
		if p.Top[0].Index != want.Index || math.Abs(p.Top[0].Prob-want.Prob) > 1e-6 {
			t.Errorf("%s: top-1 %d (%.6f), with the whole folder %d (%.6f)", p.Path, p.Top[0].Index, p.Top[0].Prob, want.Index, want.Prob)
		}
	}
	if !strings.Contains(res.stderr, "3 images in") {
		t.Errorf("stderr %q does not report 3 images", res.stderr)
	}
}
