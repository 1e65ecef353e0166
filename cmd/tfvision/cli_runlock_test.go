package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/internal/runlock"
)

// TestGrowRefusesALockedRunDirectory (issue 13 item 7): grow writing a run directory that a
// train holds is refused, naming the holder, and writes nothing there.
func TestGrowRefusesALockedRunDirectory(t *testing.T) {
	f := getFixture(t)
	out := filepath.Join(t.TempDir(), "grown")
	held, err := runlock.Acquire(out, "tfvision train")
	if err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, "", "grow", "--checkpoint", f.run, "--out", out, "--ffn-tokens", "40")
	want := fmt.Sprintf("in use by pid %d (tfvision train", os.Getpid())
	if res.err == nil || !strings.Contains(res.err.Error(), want) {
		t.Fatalf("grow into a locked directory: want %q, got %v", want, res.err)
	}
	if _, err := os.Stat(filepath.Join(out, "config.yaml")); err == nil {
		t.Errorf("grow wrote into the locked directory")
	}
	held.Release()
	if res := runCLI(t, "", "grow", "--checkpoint", f.run, "--out", out, "--ffn-tokens", "40"); res.err != nil {
		t.Fatalf("grow after release: %v\n%s", res.err, res.stderr)
	}
	// A second grow into the same directory would mix two runs' checkpoints: refused, and
	// the first grow's checkpoint is untouched.
	ck := filepath.Join(out, "checkpoints", "step-000000000.safetensors")
	before, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	res = runCLI(t, "", "grow", "--checkpoint", f.run, "--out", out, "--ffn-tokens", "48")
	if res.err == nil || !strings.Contains(res.err.Error(), "already holds a run (1 checkpoints") {
		t.Fatalf("grow into a directory with a run: want it refused, got %v", res.err)
	}
	if after, err := os.ReadFile(ck); err != nil || string(after) != string(before) {
		t.Errorf("the existing checkpoint changed (%v)", err)
	}
}
