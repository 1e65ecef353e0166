package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeYAML(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedenceFileEnvFlags(t *testing.T) {
	file := writeYAML(t, "optim:\n  lr: 0.1\n  weight_decay: 0.2\n  min_lr: 0.001\nseed: 5\nmodel:\n  preset: vit-ti16\n  depth: 6\n")
	env := []string{"TFVISION_OPTIM_LR=0.05", "TFVISION_SEED=6", "HOME=/root", "TFVISION_JPEG=std"} // the last one: a process setting, not a key
	cfg, err := Load(Source{File: file, Env: env, Sets: []string{"optim.lr=0.01"}, Flags: map[string]string{"out": "runs/x"}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Optim.LR != 0.01 {
		t.Errorf("optim.lr = %g: --set (0.01) must beat env (0.05) and file (0.1)", cfg.Optim.LR)
	}
	if cfg.Seed != 6 {
		t.Errorf("seed = %d: env (6) must beat file (5)", cfg.Seed)
	}
	if cfg.Optim.WeightDecay != 0.2 {
		t.Errorf("optim.weight_decay = %g: file value 0.2 must beat the default", cfg.Optim.WeightDecay)
	}
	if cfg.Optim.Beta2 != 0.95 {
		t.Errorf("optim.beta2 = %g: untouched keys keep the default 0.95", cfg.Optim.Beta2)
	}
	if cfg.Model.Dim != 192 || cfg.Model.Depth != 6 || cfg.Model.Kind != "vit" {
		t.Errorf("model = %+v: want the vit-ti16 preset (dim 192) with depth overridden to 6", cfg.Model.Config)
	}
	if cfg.Out != "runs/x" {
		t.Errorf("out = %q, want the flag's runs/x", cfg.Out)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		src  Source
		want string
	}{
		{Source{File: writeYAML(t, "optim:\n  lrr: 0.1\n")}, `unknown key "optim.lrr" (did you mean "optim.lr"?)`},
		{Source{Sets: []string{"optim.lr=fast"}}, "optim.lr"},
		{Source{Sets: []string{"precision=fp8"}}, `precision = "fp8": allowed values are f32, bf16`},
		{Source{Sets: []string{"attention=flash"}}, `attention = "flash": allowed values are auto, fused, decomposed`},
		{Source{Sets: []string{"augment.interpolation=lanczos"}}, "augment.interpolation"},
		{Source{Sets: []string{"model.preset=vit-h14"}}, "unknown model preset"},
		{Source{Sets: []string{"model.heads=5"}}, "model.dim = 768 is not divisible by model.heads = 5"},
		{Source{Env: []string{"TFVISION_OPTIM_LRATE=1"}}, "TFVISION_OPTIM_LRATE does not name a config key"},
		{Source{Sets: []string{"optim.batch_size=100", "optim.accum_steps=3"}}, "not divisible by optim.accum_steps"},
		{Source{Sets: []string{"nonsense"}}, "expected key=value"},
		{Source{File: "no-such-config"}, "not an embedded config"},
	} {
		_, err := Load(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error containing %q", tc.src, err, tc.want)
		}
	}
}

func TestEmbeddedConfigsLoadAndRoundTrip(t *testing.T) {
	for _, name := range Names() {
		cfg, err := Load(Source{File: name})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		data, err := Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Load(Source{File: writeYAML(t, string(data))})
		if err != nil {
			t.Errorf("%s: saved config does not load back: %v\n%s", name, err, data)
			continue
		}
		if a, b := mustMarshal(t, cfg), mustMarshal(t, again); a != b {
			t.Errorf("%s: round trip changed the config:\n%s\nvs\n%s", name, a, b)
		}
	}
	demo, _ := Load(Source{File: "demo"})
	if demo.Model.Kind != "tokenformer" || demo.Model.ImageSize != 28 || demo.Model.Preset != "" {
		t.Errorf("demo model = %+v", demo.Model)
	}
	ft, _ := Load(Source{File: "vit-b-384-finetune"})
	if ft.Model.ImageSize != 384 || ft.Model.Kind != "vit" || ft.Model.LNEps != 1e-6 || ft.Optim.LayerDecay != 0.75 || ft.Augment.CropPct != 1 {
		t.Errorf("vit-b-384-finetune = %+v, optim %+v", ft.Model, ft.Optim)
	}
	if _, err := Load(Source{File: "vit-b-384-finetune", Sets: []string{"optim.layer_decay=1.5"}}); err == nil || !strings.Contains(err.Error(), "optim.layer_decay") {
		t.Errorf("layer_decay 1.5: %v", err)
	}
	vb, _ := Load(Source{File: "configs/vit-b.yaml"})
	if got := vb.LearningRate(); got != 1.6e-3 {
		t.Errorf("vit-b lr = %g, want 1e-4 × 4096/256 = 1.6e-3", got)
	}
}

func mustMarshal(t *testing.T, c Config) string {
	data, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestSliceValuesFromSet(t *testing.T) {
	cfg, err := Load(Source{Sets: []string{"augment.mean=0.5,0.5,0.5"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Augment.Mean) != 3 || cfg.Augment.Mean[2] != 0.5 {
		t.Errorf("augment.mean = %v, want [0.5 0.5 0.5]", cfg.Augment.Mean)
	}
}
