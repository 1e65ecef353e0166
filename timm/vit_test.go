package timm

import (
	"math"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/internal/testbackend"
	"github.com/tfvision/tfvision/vision"
)

// fixture is written by scripts/make_timm_fixture.py (a timm-layout ViT: patch 4, 32 px,
// dim 36, 2 blocks, 3 heads, 10 classes), with fixed inputs and their PyTorch logits.
const (
	fixture       = "../testdata/timm_vit_small.safetensors"
	fixtureLogits = "../testdata/timm_vit_small_logits.safetensors"
)

func fixtureConfig() vision.Config {
	return vision.Config{Kind: vision.KindViT, ImageSize: 32, Patch: 4, Channels: 3, Dim: 36, Depth: 2, Heads: 3,
		NumClasses: 10, MLPRatio: 4, LNEps: LNEps}
}

// splitFixture reads the state dict and the test images with their PyTorch logits.
func splitFixture(t *testing.T) (sd map[string]Tensor, inputs, logits Tensor) {
	t.Helper()
	sd, _, err := ReadSafetensors(fixture)
	if err != nil {
		t.Fatal(err)
	}
	io, _, err := ReadSafetensors(fixtureLogits)
	if err != nil {
		t.Fatal(err)
	}
	return sd, io["inputs"], io["logits"]
}

// TestImportMatchesTorchLogits imports the timm-layout fixture and compares our logits with
// the PyTorch forward's (written after timm's VisionTransformer) on the same images.
func TestImportMatchesTorchLogits(t *testing.T) {
	sd, inputs, want := splitFixture(t)
	b := testbackend.Go(t)
	cfg := fixtureConfig()
	store, err := Import(b, sd, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := vision.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := inputs.Shape[0]
	p, err := eval.NewPredictor(b, m, store, n)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Finalize()
	got, err := p.Logits(inputs.Data, n)
	if err != nil {
		t.Fatal(err)
	}
	maxDiff, maxAbs := 0.0, 0.0
	for i := range got {
		for j, v := range got[i] {
			w := float64(want.Data[i*cfg.NumClasses+j])
			maxDiff = math.Max(maxDiff, math.Abs(float64(v)-w))
			maxAbs = math.Max(maxAbs, math.Abs(w))
		}
	}
	t.Logf("logits: max abs diff %.3g (largest |logit| %.3g) over %d×%d", maxDiff, maxAbs, n, cfg.NumClasses)
	if maxDiff > 1e-4 {
		t.Fatalf("logits differ from PyTorch's by up to %g (> 1e-4)", maxDiff)
	}
	if maxAbs < 0.5 {
		t.Fatalf("fixture logits are all near zero (max %g): the comparison would prove little", maxAbs)
	}
}

func TestConvertListsKeyProblems(t *testing.T) {
	sd, _, _ := splitFixture(t)
	cfg := fixtureConfig()
	delete(sd, "blocks.1.mlp.fc2.bias")
	sd["blocks.0.ls1.gamma"] = Tensor{Shape: []int{36}, Data: make([]float32, 36)}
	_, err := Convert(sd, cfg)
	if err == nil || !strings.Contains(err.Error(), "missing keys: blocks.1.mlp.fc2.bias") ||
		!strings.Contains(err.Error(), "unknown keys: blocks.0.ls1.gamma") {
		t.Fatalf("want missing and unknown keys listed, got %v", err)
	}
	sd, _, _ = splitFixture(t)
	cfg.Dim, cfg.Heads = 48, 3 // a different width: every tensor mismatches
	_, err = Convert(sd, cfg)
	if err == nil || !strings.Contains(err.Error(), "shape mismatches: patch_embed.proj.weight is [36 3 4 4]") {
		t.Fatalf("want shape mismatches named, got %v", err)
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name, preset string
		size         int
		mean, crop   float64
	}{
		{"vit_base_patch16_224.augreg2_in21k_ft_in1k", "vit-b16", 224, 0.5, 0.9},
		{"vit_base_patch16_224_augreg2_in21k_ft_in1k", "vit-b16", 224, 0.5, 0.9},
		{"vit_tiny_patch16_224", "vit-ti16", 224, 0.5, 0.9},
		{"vit_small_patch16_384.augreg_in21k_ft_in1k", "vit-s16", 384, 0.5, 1.0},
		{"vit_large_patch16_224.mae", "vit-l16", 224, 0.485, 0.9},
	} {
		m, err := Resolve(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if m.Preset != tc.preset || m.Config.ImageSize != tc.size || m.Pretrained.Mean[0] != tc.mean ||
			m.Pretrained.CropPct != tc.crop || m.Pretrained.Interpolation != "bicubic" || m.Config.LNEps != 1e-6 {
			t.Errorf("%s: got %+v", tc.name, m)
		}
	}
	for _, bad := range []string{"vit_base_patch32_224", "deit_base_patch16_224", "vit_base_patch16_225"} {
		if _, err := Resolve(bad); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestHalfToFloat32(t *testing.T) {
	for h, want := range map[uint16]float32{0x3c00: 1, 0xc000: -2, 0x3555: 0.33325195, 0x0001: 5.9604645e-08, 0x7bff: 65504} {
		if got := halfToFloat32(h); got != want {
			t.Errorf("half %#04x = %g, want %g", h, got, want)
		}
	}
}
