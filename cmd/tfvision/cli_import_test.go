package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/internal/testbackend"
	"github.com/tfvision/tfvision/timm"
)

const timmFixture = "../../testdata/timm_vit_small.safetensors"

// timmFixtureArgs import the fixture (a small timm-layout ViT: patch 4, 32 px, dim 36,
// 2 blocks, 3 heads, 10 classes) under a timm name, with --set for its smaller dims.
func timmFixtureArgs(out string, extra ...string) []string {
	args := []string{"import", "timm", "--model", "vit_tiny_patch16_224.augreg_in21k_ft_in1k", "--weights", timmFixture, "--out", out,
		"--set", "model.image_size=32", "--set", "model.patch=4", "--set", "model.dim=36", "--set", "model.depth=2", "--set", "model.heads=3"}
	return append(args, extra...)
}

// TestImportTimmRun: `tfvision import timm` writes a run whose config carries the weights'
// preprocessing and LayerNorm eps, and whose model reproduces PyTorch's logits.
func TestImportTimmRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "vit-timm")
	res := runCLI(t, "", timmFixtureArgs(out, "--crop-pct", "1.0")...)
	if res.err != nil {
		t.Fatalf("import: %v\n%s%s", res.err, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "10 classes") || !strings.Contains(res.stdout, "crop_pct 1, bicubic") {
		t.Errorf("import output:\n%s", res.stdout)
	}
	run, err := eval.LoadRun(testbackend.Go(t), out, false)
	if err != nil {
		t.Fatal(err)
	}
	a, mc := run.Config.Augment, run.Config.Model
	if a.Mean[0] != 0.5 || a.Std[2] != 0.5 || a.CropPct != 1.0 || a.Interpolation != "bicubic" || mc.LNEps != 1e-6 || mc.NumClasses != 10 {
		t.Errorf("run config: augment %+v, model %+v", a, mc)
	}
	io, _, err := timm.ReadSafetensors("../../testdata/timm_vit_small_logits.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	in, want := io["inputs"], io["logits"]
	p, err := eval.NewPredictor(testbackend.Go(t), run.Model, run.Store, in.Shape[0])
	if err != nil {
		t.Fatal(err)
	}
	defer p.Finalize()
	got, err := p.Logits(in.Data, in.Shape[0])
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		for j, v := range got[i] {
			if d := math.Abs(float64(v) - float64(want.Data[i*10+j])); d > 1e-4 {
				t.Fatalf("logit [%d,%d]: %g vs PyTorch %g", i, j, v, want.Data[i*10+j])
			}
		}
	}

	// Importing again into the same directory is refused; a wrong model is named.
	if res := runCLI(t, "", timmFixtureArgs(out)...); res.err == nil || !strings.Contains(res.err.Error(), "already has checkpoints") {
		t.Errorf("second import: %v", res.err)
	}
	bad := timmFixtureArgs(filepath.Join(t.TempDir(), "bad"), "--set", "model.depth=3")
	if res := runCLI(t, "", bad...); res.err == nil || !strings.Contains(res.err.Error(), "missing keys: blocks.2.norm1.weight") {
		t.Errorf("depth 3: %v", res.err)
	}
	if res := runCLI(t, "", "import", "timm", "--model", "vit_base_patch16_224", "--weights", timmFixture, "--out", filepath.Join(t.TempDir(), "b")); res.err == nil || !strings.Contains(res.err.Error(), "shape mismatches") {
		t.Errorf("vit-b16 shapes: %v", res.err)
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "bad")); err == nil {
		t.Errorf("a failed import left a directory behind")
	}
}
