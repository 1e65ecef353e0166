package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/augment"
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

// train_pp / eval_pp: validated by building them, errors named by key; a per-image key
// made dead by a spec must stay at its default; train and eval must normalise alike.
func TestAugmentSpecs(t *testing.T) {
	cfg, err := Load(Source{})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := cfg.TrainSpec()
	if err != nil {
		t.Fatal(err)
	}
	const wantTrain = "rrc(224, scale=(0.08,1), ratio=(0.75,1.3333333333333333), interp=bicubic)|flip(0.5)|" +
		"randaug('rand-m9-mstd0.5-inc1')|normalise(mean=(0.485,0.456,0.406), std=(0.229,0.224,0.225))|erase(0.25)"
	if ts != wantTrain {
		t.Errorf("default train spec %s", ts)
	}
	es, _ := cfg.EvalSpec()
	if es != "resize(256, interp=bicubic)|center_crop(224)|normalise(mean=(0.485,0.456,0.406), std=(0.229,0.224,0.225))" {
		t.Errorf("default eval spec %s", es)
	}

	const hand = "rrc(scale=(0.08,1))|flip|randaug(2,9,mstd=0.5,inc=1)|erase(0.25)"
	cfg, err = Load(Source{Sets: []string{"augment.train_pp=" + hand, "augment.eval_pp=resize(240)|center_crop"}})
	if err != nil {
		t.Fatal(err)
	}
	if ts, _ := cfg.TrainSpec(); ts != hand {
		t.Errorf("train_pp not used: %s", ts)
	}
	if es, _ := cfg.EvalSpec(); es != "resize(240)|center_crop" {
		t.Errorf("eval_pp not used: %s", es)
	}
	// The README's example, through YAML.
	readme := "augment:\n  train_pp: \"rrc(scale=(0.08,1))|flip|randaug(2, 9, mstd=0.5, inc=1)|erase(0.25)\"\n  eval_pp: \"resize(256)|center_crop(224)\"\n"
	if cfg, err := Load(Source{File: writeYAML(t, readme)}); err != nil || cfg.Augment.EvalPP != "resize(256)|center_crop(224)" {
		t.Errorf("README example: %v, eval_pp %q", err, cfg.Augment.EvalPP)
	}
	// The 384 fine-tuning config normalises with 0.5: train_pp alone must say so too.
	if _, err := Load(Source{File: "vit-b-384-finetune", Sets: []string{"augment.train_pp=rrc|flip|normalise(mean=(0.5,0.5,0.5), std=(0.5,0.5,0.5))"}}); err != nil {
		t.Errorf("finetune config with a matching train_pp: %v", err)
	}

	for _, tc := range []struct {
		sets []string
		want string
	}{
		{[]string{"augment.train_pp=rrc(224)|flip|randaug(2,x)"},
			`augment.train_pp: op 3 "randaug(2,x)" (column 25): argument 2 (m): want a number, got x`},
		{[]string{"augment.train_pp=rrc|blur"}, `augment.train_pp: op 2 "blur" (column 5): unknown op "blur" (registered: ` + strings.Join(augment.Registered(), ", ") + ")"},
		{[]string{"augment.train_pp=rrc(192)"}, "augment.train_pp: op 1 \"rrc(192)\" (column 1): output size 192, but the transform must output 224"},
		{[]string{"augment.eval_pp=resize(256)"}, "augment.eval_pp: column 12: resize must be followed by center_crop"},
		{[]string{"augment.train_pp=rrc|flip", "augment.hflip=0"},
			"augment.hflip = 0, but augment.train_pp replaces it (default 0.5): put the value in the spec, or leave the key at its default"},
		{[]string{"augment.train_pp=rrc", "augment.rand_augment="}, `augment.rand_augment = "", but augment.train_pp replaces it`},
		{[]string{"augment.eval_pp=resize(256)|center_crop", "augment.crop_pct=1"}, "augment.crop_pct = 1, but augment.eval_pp replaces it"},
		{[]string{"augment.train_pp=rrc", "augment.eval_pp=resize(256)|center_crop", "augment.interpolation=bilinear"},
			"augment.interpolation = bilinear, but augment.train_pp and augment.eval_pp replace it (default bicubic)"},
		{[]string{"augment.train_pp=rrc", "augment.mean=0.5,0.5,0.5"},
			"augment: train normalises with mean [0.485 0.456 0.406] std [0.229 0.224 0.225] but eval with mean [0.5 0.5 0.5] std [0.229 0.224 0.225] (from augment.train_pp and augment.mean/std)"},
		{[]string{"augment.rand_augment=rand-q9"}, `augment.rand_augment = "rand-q9": randaugment spec "rand-q9"`},
	} {
		_, err := Load(Source{Sets: tc.sets})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v:\n  got  %v\n  want %s", tc.sets, err, tc.want)
		}
	}
}
