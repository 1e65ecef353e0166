package train

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/checkpoint"
)

// TestResumeFallsBackToAnIntactCheckpoint (issue 13 item 9): with the latest checkpoint
// damaged, resume uses the newest one that verifies, says which it skipped and why, and
// moves the damaged one aside.
func TestResumeFallsBackToAnIntactCheckpoint(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4})
	b := goBackend(t)
	run := filepath.Join(t.TempDir(), "run")
	cfg := tinyConfig(t, data, run, "checkpoint.every_steps=1", "checkpoint.keep_last=3")
	if _, err := Run(context.Background(), Options{Config: cfg, Backend: b, StopAfter: 4}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: %v", err)
	}
	latest := filepath.Join(run, "checkpoints", checkpoint.Name(4))
	raw, err := os.ReadFile(latest)
	if err != nil {
		t.Fatal(err)
	}
	clear(raw[len(raw)-3000 : len(raw)-2000]) // inside the weights, past the header
	if err := os.WriteFile(latest, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := Run(context.Background(), Options{Config: cfg, Backend: b, StopAfter: 1, Out: &out})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("resume with a damaged latest checkpoint: %v\n%s", err, out.String())
	}
	if sum.ResumedAtStep != 3 || sum.Steps != 4 {
		t.Errorf("resumed at step %d, ended at %d: want 3 and 4 (the newest intact checkpoint is step 3)", sum.ResumedAtStep, sum.Steps)
	}
	log := out.String()
	if !strings.Contains(log, "skipped "+latest) || !strings.Contains(log, "fails its checksum") {
		t.Errorf("output does not say which checkpoint was skipped and why:\n%s", log)
	}
	if _, err := os.Stat(latest + CorruptSuffix); err != nil {
		t.Errorf("the damaged checkpoint was not moved aside: %v", err)
	}
	// A latest checkpoint holding a tensor the model does not have (issue 13 item 10) is
	// skipped naming the file and the tensor, and left in place: it is not damaged.
	store := model.NewStore()
	meta, err := checkpoint.Load(filepath.Join(run, "checkpoints", checkpoint.Name(4)), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateVariable("/extra", tensors.FromValue([]float32{1, 2})); err != nil {
		t.Fatal(err)
	}
	crafted := filepath.Join(run, "checkpoints", checkpoint.Name(9))
	meta.Step = 9
	if err := checkpoint.Save(crafted, store, meta); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	sum, err = Run(context.Background(), Options{Config: cfg, Backend: b, StopAfter: 1, Out: &out})
	if !errors.Is(err, ErrInterrupted) || sum.ResumedAtStep != 4 {
		t.Fatalf("resume past a checkpoint with an unknown tensor: resumed at %d, %v\n%s", sum.ResumedAtStep, err, out.String())
	}
	if !strings.Contains(out.String(), "skipped "+crafted+": checkpoint "+crafted+": unknown tensor /extra") {
		t.Errorf("output does not name the file and the unknown tensor:\n%s", out.String())
	}
	if _, err := os.Stat(crafted); err != nil {
		t.Errorf("a checkpoint that is intact but not this model's was moved: %v", err)
	}

	// Nothing left to fall back to: the error lists what was skipped.
	for _, p := range mustList(t, filepath.Join(run, "checkpoints")) {
		raw, _ := os.ReadFile(p)
		clear(raw[len(raw)-3000 : len(raw)-2000])
		os.WriteFile(p, raw, 0o644)
	}
	_, err = Run(context.Background(), Options{Config: cfg, Backend: b, StopAfter: 1})
	if err == nil || !strings.Contains(err.Error(), "no checkpoint in") || !strings.Contains(err.Error(), "--fresh") {
		t.Errorf("all checkpoints damaged: want an error listing them with the --fresh hint, got %v", err)
	}
}

func mustList(t *testing.T, dir string) []string {
	t.Helper()
	l, err := checkpoint.List(dir)
	if err != nil || len(l) == 0 {
		t.Fatalf("list %s: %v %v", dir, l, err)
	}
	return l
}
