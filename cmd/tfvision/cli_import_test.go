package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/internal/testbackend"
	"github.com/tfvision/tfvision/run"
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
	loaded, err := run.Load(testbackend.Go(t), out, false)
	if err != nil {
		t.Fatal(err)
	}
	a, mc := loaded.Config.Augment, loaded.Config.Model
	if a.Mean[0] != 0.5 || a.Std[2] != 0.5 || a.CropPct != 1.0 || a.Interpolation != "bicubic" || mc.LNEps != 1e-6 || mc.NumClasses != 10 {
		t.Errorf("run config: augment %+v, model %+v", a, mc)
	}
	io, _, err := timm.ReadSafetensors("../../testdata/timm_vit_small_logits.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	in, want := io["inputs"], io["logits"]
	p, err := eval.NewPredictor(testbackend.Go(t), loaded.Model, loaded.Store, in.Shape[0])
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
	if res := runCLI(t, "", timmFixtureArgs(out)...); res.err == nil || !strings.Contains(res.err.Error(), "already holds a run") {
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

// TestImportEvalFineTune is the README path: import timm weights, fine-tune them with
// train --init on other data (3 classes at 16 px: a fresh head and a resampled position
// embedding, both announced), then eval the fine-tuned run.
func TestImportEvalFineTune(t *testing.T) {
	dir := t.TempDir()
	imported, tuned, data := filepath.Join(dir, "imported"), filepath.Join(dir, "tuned"), filepath.Join(dir, "data")
	if res := runCLI(t, "", timmFixtureArgs(imported)...); res.err != nil {
		t.Fatalf("import: %v", res.err)
	}
	if err := makeDataset(data); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, "", "train", "--config", filepath.Join(imported, "config.yaml"), "--init", imported, "--data", data, "--out", tuned,
		"--no-progress", "--set", "model.image_size=16", "--set", "model.num_classes=3", "--set", "optim.steps=3",
		"--set", "optim.batch_size=16", "--set", "optim.lr=1e-4", "--set", "optim.warmup_steps=1", "--set", "eval.batch_size=12", "--set", "optim.layer_decay=0.75")
	if res.err != nil {
		t.Fatalf("train --init: %v\n%s", res.err, res.stdout)
	}
	for _, want := range []string{"the head starts fresh", "resampled bicubically from a 8×8 to a 4×4 patch grid", "layer-wise lr decay 0.75"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("train output lacks %q:\n%s", want, res.stdout)
		}
	}
	ev := runCLI(t, "", "eval", "--checkpoint", tuned, "--data", data)
	if ev.err != nil || !strings.Contains(ev.stdout, "top-1") {
		t.Fatalf("eval: %v\n%s", ev.err, ev.stdout)
	}
	// A changed width is refused, naming the variables.
	res = runCLI(t, "", "train", "--config", filepath.Join(imported, "config.yaml"), "--init", imported, "--data", data, "--out", filepath.Join(dir, "bad"),
		"--no-progress", "--set", "model.image_size=16", "--set", "model.num_classes=3", "--set", "model.dim=48", "--set", "optim.lr=1e-4", "--set", "optim.steps=1", "--set", "optim.batch_size=16")
	if res.err == nil || !strings.Contains(res.err.Error(), "does not fit this model") {
		t.Errorf("dim change: %v", res.err)
	}
}
