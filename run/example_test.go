package run_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/label"
	"github.com/tfvision/tfvision/run"
	"github.com/tfvision/tfvision/vision"
)

// Load a trained run — a run directory or one checkpoint file — and get back its config,
// its model with the weights in place, and its class names. The run here is written on
// the spot, as `tfvision train` would leave it: a checkpoint that embeds the run's YAML
// and its classes.
func ExampleLoad() {
	b, err := backend.Open("go", backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "tfvision-run")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	writeRun(b, dir)

	loaded, err := run.Load(b, dir, false) // false: the raw weights, not the EMA
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("checkpoint:", filepath.Base(loaded.Checkpoint), "step", loaded.Meta.Step)
	fmt.Println("model:", loaded.Config.Model.Preset, loaded.Model.Config.Kind, loaded.Model.Config.Dim)
	for _, c := range loaded.Classes() {
		fmt.Println(c.Index, c.WNID, c.Name)
	}
	fmt.Println("parameters:", vision.NumParams(loaded.Store))
	// Output:
	// checkpoint: step-000000100.safetensors step 100
	// model: tokenformer-ti16 tokenformer 16
	// 0 n01440764 tench
	// 1 n02102040 English springer
	// 2 n02979186 cassette player
	// parameters: 6339
}

// writeRun saves a tiny model's checkpoint under dir/checkpoints, where training writes
// them (checkpoint.Name(step) is the file name): the preset's shape, shrunk to run fast.
func writeRun(b compute.Backend, dir string) {
	cfg := configs.Default()
	cfg.Model.Preset = "tokenformer-ti16"
	cfg.Model.Config, _ = vision.Preset("tokenformer-ti16")
	c := &cfg.Model.Config
	c.ImageSize, c.Patch, c.Dim, c.Depth, c.Heads = 16, 8, 16, 2, 2
	c.QKVTokens, c.ProjTokens, c.FFNTokens, c.NumClasses = 8, 8, 16, 3
	m, err := vision.New(cfg.Model.Config)
	if err != nil {
		log.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Build(b, store, 1); err != nil {
		log.Fatal(err)
	}
	yaml, err := configs.Marshal(cfg)
	if err != nil {
		log.Fatal(err)
	}
	meta := checkpoint.Meta{Step: 100, Config: string(yaml), Classes: []label.Class{
		{WNID: "n01440764", Name: "tench"}, {WNID: "n02102040", Name: "English springer"}, {WNID: "n02979186", Name: "cassette player"}}}
	ck := filepath.Join(dir, "checkpoints", checkpoint.Name(meta.Step))
	if err := os.MkdirAll(filepath.Dir(ck), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := checkpoint.Save(ck, store, meta); err != nil {
		log.Fatal(err)
	}
}
