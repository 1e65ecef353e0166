package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/train"
	"github.com/tfvision/tfvision/vision"
)

// readMetrics parses a run's metrics.jsonl.
func readMetrics(t *testing.T, run string) []train.Record {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(run, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var recs []train.Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r train.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("metrics.jsonl line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

// TestEvalMatchesTrainingValidation: the eval command on the run's checkpoint reproduces the
// validation top-1 and loss that training logged for that checkpoint's step.
func TestEvalMatchesTrainingValidation(t *testing.T) {
	f := getFixture(t)
	_, jsonPath := getFixtureEval(t)
	rep := readEvalReport(t, jsonPath)
	var found bool
	for _, r := range readMetrics(t, f.run) {
		if r.Kind != "epoch" || r.Step != rep.Step {
			continue
		}
		found = true
		if r.ValTop1 != rep.Result.Top1 || r.ValTop5 != rep.Result.Top5 {
			t.Errorf("step %d: training logged top-1/top-5 %v/%v, eval says %v/%v", r.Step, r.ValTop1, r.ValTop5, rep.Result.Top1, rep.Result.Top5)
		}
		if d := r.ValLoss - rep.Result.Loss; d > 1e-4 || d < -1e-4 {
			t.Errorf("step %d: training logged val loss %.6f, eval %.6f", r.Step, r.ValLoss, rep.Result.Loss)
		}
	}
	if !found {
		t.Errorf("no epoch record in metrics.jsonl for the evaluated checkpoint's step %d (%s)", rep.Step, rep.Checkpoint)
	}
}

// TestBaselinesFor: the published rows are picked by width.
func TestBaselinesFor(t *testing.T) {
	type row struct {
		model string
		top1  float64
	}
	rows := func(dim int) []row {
		var out []row
		for _, b := range eval.BaselinesFor(vision.Config{Dim: dim}) {
			out = append(out, row{b.Model, b.Top1})
		}
		return out
	}
	wantB := []row{{"ViT-B/16", 77.9}, {"DeiT-B/16", 81.8}, {"ViT-B/16", 82.3}, {"TokenFormer-B/16†", 82.1}, {"TokenFormer-B/16", 82.5}}
	gotB := rows(768)
	if len(gotB) != len(wantB) {
		t.Fatalf("Dim 768: %v, want %v", gotB, wantB)
	}
	for _, w := range wantB {
		n := 0
		for _, g := range gotB {
			if g == w {
				n++
			}
		}
		if n != 1 {
			t.Errorf("Dim 768: row %v appears %d times in %v", w, n, gotB)
		}
	}
	for _, b := range eval.BaselinesFor(vision.Config{Dim: 768}) {
		if b.Size != "B" {
			t.Errorf("Dim 768 returned a %s row: %+v", b.Size, b)
		}
	}
	if got := rows(192); len(got) != 1 || got[0] != (row{"DeiT-Ti", 72.2}) {
		t.Errorf("Dim 192: %v, want [DeiT-Ti 72.2]", got)
	}
	if got := rows(384); len(got) != 1 || got[0] != (row{"DeiT-S", 79.8}) {
		t.Errorf("Dim 384: %v, want [DeiT-S 79.8]", got)
	}
	if got := rows(1024); len(got) != 4 {
		t.Errorf("Dim 1024: %v, want the 4 L rows", got)
	}
	if got := rows(32); len(got) != 0 {
		t.Errorf("Dim 32: %v, want none", got)
	}

	// WriteTable lists exactly the rows of the size class.
	var buf bytes.Buffer
	eval.WriteTable(&buf, "mine", 86_000_000, vision.Config{Dim: 768}, eval.Result{Images: 50000, Top1: 80, Top5: 95})
	out := buf.String()
	for _, want := range []string{"mine (this run)", "86.0M", "80.00", "95.00", "50000 images", "DeiT-B/16", "81.8", "TokenFormer-B/16†", "82.1"} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteTable output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "DeiT-Ti") || strings.Contains(out, "no published") {
		t.Errorf("WriteTable for width 768 shows other rows:\n%s", out)
	}
	if n := len(strings.Split(strings.TrimRight(out, "\n"), "\n")); n != 2+len(wantB) {
		t.Errorf("WriteTable printed %d lines, want header + this run + %d baselines:\n%s", n, len(wantB), out)
	}
}

// TestEvalTableWithoutBaseline: the eval command's table for the width-32 run says there is
// no published baseline, and its JSON lists none.
func TestEvalTableWithoutBaseline(t *testing.T) {
	stdout, jsonPath := getFixtureEval(t)
	if !strings.Contains(stdout, "(no published ImageNet-1k baseline for width 32)") {
		t.Errorf("eval table does not say there is no baseline:\n%s", stdout)
	}
	for _, m := range []string{"DeiT", "ViT-", "TokenFormer-"} {
		if strings.Contains(stdout, m) {
			t.Errorf("eval output of a width-32 model mentions %s:\n%s", m, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^run \(this run\)\s+\S+M\s+\d+\.\d\d\s+\d+\.\d\d\s+36 images`).MatchString(stdout) {
		t.Errorf("eval table lacks the run's row:\n%s", stdout)
	}
	rep := readEvalReport(t, jsonPath)
	if len(rep.Baselines) != 0 {
		t.Errorf("E.json baselines = %+v, want none", rep.Baselines)
	}
}

// TestTrainConfigErrors: bad keys and missing data are reported by name, before training.
func TestTrainConfigErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	res := runCLI(t, "", "train", "--config", "demo", "--out", out, "--set", "optim.lrr=1")
	if res.err == nil || !strings.Contains(res.err.Error(), "optim.lrr") {
		t.Errorf("--set optim.lrr=1: error %v, want one naming optim.lrr", res.err)
	} else if !strings.Contains(res.err.Error(), `"optim.lr"`) {
		t.Errorf("--set optim.lrr=1: error %q does not suggest optim.lr", res.err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a config error created the run directory %s", out)
	}

	res = runCLI(t, "", "train", "--config", "demo", "--out", out, "--set", "optim.lr")
	if res.err == nil || !strings.Contains(res.err.Error(), "key=value") {
		t.Errorf("--set optim.lr: error %v, want one asking for key=value", res.err)
	}

	res = runCLI(t, "", "train", "--config", "no-such-config", "--out", out)
	if res.err == nil || !strings.Contains(res.err.Error(), "no-such-config") || !strings.Contains(res.err.Error(), "demo") {
		t.Errorf("--config no-such-config: error %v, want one naming it and listing the embedded configs", res.err)
	}

	missing := filepath.Join(t.TempDir(), "nonexistent")
	res = runCLI(t, "", "train", "--config", "demo", "--out", out, "--data", missing)
	if res.err == nil || !strings.Contains(res.err.Error(), missing) {
		t.Errorf("--data %s: error %v, want one naming the path", missing, res.err)
	}
	res = runCLI(t, "", "train", "--config", "demo", "--out", out, "--data", "/nonexistent")
	if res.err == nil || !strings.Contains(res.err.Error(), "/nonexistent") {
		t.Errorf("--data /nonexistent: error %v, want one naming the path", res.err)
	}
}

// TestTrainResume: re-running with more epochs and the same --out resumes, and metrics.jsonl
// has each epoch exactly once.
func TestTrainResume(t *testing.T) {
	f := getFixture(t)
	run := filepath.Join(t.TempDir(), "run2")
	args := append([]string{"train", "--config", "demo", "--data", f.data, "--out", run}, tinyModelArgs...)
	first := runCLI(t, "", append(args, "--set", "optim.epochs=1")...)
	if first.err != nil {
		t.Fatalf("train 1 epoch: %v\n%s", first.err, first.stdout)
	}
	if strings.Contains(first.stdout, "resuming from") {
		t.Errorf("a fresh run says it resumes:\n%s", first.stdout)
	}
	stepsPerEpoch := int64(3 * fixtureTrainPerClass / 16) // drop_last
	if !strings.Contains(first.stdout, "done: 7 steps, 1 epochs") {
		t.Errorf("first run summary: want 7 steps, 1 epoch:\n%s", first.stdout)
	}
	second := runCLI(t, "", append(args, "--set", "optim.epochs=2")...)
	if second.err != nil {
		t.Fatalf("train resume to 2 epochs: %v\n%s", second.err, second.stdout)
	}
	if !regexp.MustCompile(`resuming from \S+step-0+7\.\S* \(step 7, epoch 1\)`).MatchString(second.stdout) {
		t.Errorf("second run does not resume from step 7, epoch 1:\n%s", second.stdout)
	}
	if !strings.Contains(second.stdout, "done: 14 steps, 2 epochs") {
		t.Errorf("second run summary: want 14 steps, 2 epochs:\n%s", second.stdout)
	}
	if strings.Contains(second.stdout, "epoch 1:") {
		t.Errorf("the resumed run trained epoch 1 again:\n%s", second.stdout)
	}
	epochs := map[int]int{}
	trainSteps := map[int64]int{}
	for _, r := range readMetrics(t, run) {
		switch r.Kind {
		case "epoch":
			epochs[r.Epoch]++
			if want := int64(r.Epoch) * stepsPerEpoch; r.Step != want {
				t.Errorf("epoch %d record at step %d, want %d", r.Epoch, r.Step, want)
			}
			if r.ValTop1 <= 0 {
				t.Errorf("epoch %d record has no validation top-1: %+v", r.Epoch, r)
			}
		case "train":
			trainSteps[r.Step]++
		}
	}
	if len(epochs) != 2 || epochs[1] != 1 || epochs[2] != 1 {
		t.Errorf("epoch records %v, want epochs 1 and 2 once each", epochs)
	}
	for s, n := range trainSteps {
		if n != 1 {
			t.Errorf("train record of step %d appears %d times", s, n)
		}
	}
	// Running it a third time with the same epochs has nothing left to do and adds nothing.
	third := runCLI(t, "", append(args, "--set", "optim.epochs=2")...)
	if third.err != nil {
		t.Fatalf("third run: %v", third.err)
	}
	n := 0
	for _, r := range readMetrics(t, run) {
		if r.Kind == "epoch" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("after a no-op re-run metrics.jsonl has %d epoch records, want 2", n)
	}
}

// TestModelsAndVersion: the presets table carries the paper-matched parameter counts.
func TestModelsAndVersion(t *testing.T) {
	res := runCLI(t, "", "models")
	if res.err != nil {
		t.Fatalf("models: %v", res.err)
	}
	lineOf := func(preset string) string {
		for _, l := range strings.Split(res.stdout, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == preset {
				return l
			}
		}
		t.Errorf("models output has no %s row:\n%s", preset, res.stdout)
		return ""
	}
	if l := lineOf("vit-b16"); !strings.Contains(l, " 86.57M ") {
		t.Errorf("vit-b16 row %q lacks 86.57M", l)
	}
	if l := lineOf("tokenformer-b16-matched"); !strings.Contains(l, " 86.45M ") {
		t.Errorf("tokenformer-b16-matched row %q lacks 86.45M", l)
	}
	for _, p := range vision.PresetNames() {
		lineOf(p)
	}

	res = runCLI(t, "", "version")
	if res.err != nil {
		t.Fatalf("version: %v", res.err)
	}
	if !strings.HasPrefix(res.stdout, "tfvision "+Version+"\n") {
		t.Errorf("version output %q does not start with %q", res.stdout, "tfvision "+Version)
	}
	if res := runCLI(t, "", "version", "extra"); res.err == nil {
		t.Errorf("version with an argument did not fail")
	}
}

// TestEvalCountsUnreadableFiles: a corrupt validation file does not stop eval; it is
// counted in failed_files, named in the printed summary, and not replaced by a duplicate.
func TestEvalCountsUnreadableFiles(t *testing.T) {
	f := getFixture(t)
	root := copyVal(t, f.data, nil, func(name string) bool { return name == "green_004.png" })
	rep := evalOneUnreadable(t, f, root, "one corrupt file")
	if rep.Result.Failed != 1 {
		t.Errorf("failed_files = %d, want 1", rep.Result.Failed)
	}
	if rep.Result.Images != 3*12-1 {
		t.Errorf("images = %d: every readable file must be counted exactly once (35)", rep.Result.Images)
	}
	sum := 0
	for _, c := range rep.Result.PerClass {
		sum += c.Count
	}
	if sum != rep.Result.Images {
		t.Errorf("per-class counts sum to %d, images = %d", sum, rep.Result.Images)
	}
}

func TestPredictRejectsBadTopK(t *testing.T) {
	f := getFixture(t)
	for _, k := range []string{"0", "-2"} {
		res := runCLI(t, "", "predict", "--checkpoint", f.run, "--topk", k, filepath.Join(f.data, "val"))
		if res.err == nil || !strings.Contains(res.err.Error(), "--topk "+k+": must be >= 1") {
			t.Errorf("--topk %s: got %v, want a clear error", k, res.err)
		}
	}
}

// TestBF16RunOnThePureGoBackend: training in bf16 on the pure-Go backend warns that it is
// slow; evaluating that run here computes in f32 (the weights are f32 masters) and says so,
// and its loss agrees with the bf16 validation loss logged by training to bf16 accuracy.
func TestBF16RunOnThePureGoBackend(t *testing.T) {
	f := getFixture(t)
	run := filepath.Join(t.TempDir(), "bf16")
	args := append([]string{"train", "--config", "demo", "--data", f.data, "--out", run}, tinyModelArgs...)
	res := runCLI(t, "", append(args, "--set", "precision=bf16", "--set", "optim.epochs=1")...)
	if res.err != nil {
		t.Fatalf("train: %v\n%s", res.err, res.stdout)
	}
	if !strings.Contains(res.stdout, "warning: precision bf16 on the pure-Go backend") {
		t.Errorf("no bf16 warning in the training output:\n%s", res.stdout)
	}
	jsonPath := filepath.Join(t.TempDir(), "E.json")
	res = runCLI(t, "", "eval", "--checkpoint", run, "--data", f.data, "--json", jsonPath, "--batch", "12")
	if res.err != nil {
		t.Fatalf("eval: %v", res.err)
	}
	if !strings.Contains(res.stdout, "note: computing in f32") {
		t.Errorf("eval does not say it computes in f32:\n%s", res.stdout)
	}
	rep := readEvalReport(t, jsonPath)
	var logged float64
	for _, r := range readMetrics(t, run) {
		if r.Kind == "epoch" && r.Step == rep.Step {
			logged = r.ValLoss
		}
	}
	if logged == 0 || math.Abs(rep.Result.Loss-logged) > 0.02*logged {
		t.Errorf("f32 eval loss %.5f vs bf16 validation loss %.5f logged in training: want within 2%%", rep.Result.Loss, logged)
	}
}
