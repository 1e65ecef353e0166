package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/internal/runlock"
)

// TestSecondTrainOnARunDirectoryIsRefused (issue 13 item 7): while one process holds the
// run directory, train refuses it with an error naming the holder, and writes nothing.
func TestSecondTrainOnARunDirectoryIsRefused(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 8, "val": 2})
	run := filepath.Join(t.TempDir(), "run")
	other, err := runlock.Acquire(run, "tfvision train")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Options{Config: tinyConfig(t, data, run), Backend: goBackend(t), StopAfter: 1})
	want := fmt.Sprintf("run directory %s is in use by pid %d (tfvision train", run, os.Getpid())
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("train on a locked run directory: want %q, got %v", want, err)
	}
	if _, err := os.Stat(filepath.Join(run, "checkpoints")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused run wrote into the directory: %v", err)
	}
	other.Release()
	if _, err := Run(context.Background(), Options{Config: tinyConfig(t, data, run), Backend: goBackend(t), StopAfter: 1}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("after the holder released it: %v", err)
	}
}

// TestOrphanedTempFilesAreRemoved (issue 13 item 11): temp files of killed writes are
// removed when a run starts holding the lock; other files stay.
func TestOrphanedTempFilesAreRemoved(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 8, "val": 2})
	run := filepath.Join(t.TempDir(), "run")
	ck := filepath.Join(run, "checkpoints")
	orphans := []string{filepath.Join(ck, ".step-000000007.safetensors.tmp123456"), filepath.Join(ck, ".best.safetensors.tmp99"),
		filepath.Join(ck, ".step-000000006.tfvckpt.tmp123456"), filepath.Join(ck, ".best.tfvckpt.tmp99"),
		filepath.Join(run, ".metrics.jsonl.tmp42")}
	keep := []string{filepath.Join(ck, "notes.txt"), filepath.Join(run, "my.tmp")}
	for _, p := range append(append([]string(nil), orphans...), keep...) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := Run(context.Background(), Options{Config: tinyConfig(t, data, run), Backend: goBackend(t), StopAfter: 1, Out: &out}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	for _, p := range orphans {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("orphan %s not removed", p)
		}
		if !strings.Contains(out.String(), "removed "+p) {
			t.Errorf("removal of %s not reported", p)
		}
	}
	for _, p := range keep {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s (not a temp file of ours) was removed", p)
		}
	}
}
