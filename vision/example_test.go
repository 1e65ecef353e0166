package vision_test

import (
	"fmt"
	"log"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/vision"
)

// A preset's parameter count, the one `tfvision models` prints: Trace creates the
// variables' shapes without initialising them, so even a large preset is instant.
func ExamplePreset() {
	b, err := backend.Open("go", backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := vision.Preset("tokenformer-ti16")
	if err != nil {
		log.Fatal(err)
	}
	m, err := vision.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Trace(b, store); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Kind, cfg.Dim, cfg.Depth, vision.NumParams(store))
	// Output: tokenformer 192 12 7456936
}

// Build a small TokenFormer from a preset, initialise it from a seed and compute the
// logits of a batch of two images.
func ExampleModel_Build() {
	b, err := backend.Open("go", backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// Start from a preset and shrink it so the example runs in milliseconds.
	cfg, err := vision.Preset("tokenformer-ti16")
	if err != nil {
		log.Fatal(err)
	}
	cfg.ImageSize, cfg.Patch, cfg.Dim, cfg.Depth, cfg.Heads = 16, 8, 16, 2, 2
	cfg.QKVTokens, cfg.ProjTokens, cfg.FFNTokens, cfg.NumClasses = 8, 8, 16, 10

	m, err := vision.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Build(b, store, 42); err != nil { // same seed, same weights, on any backend
		log.Fatal(err)
	}
	// Patch embedding 3088, CLS 16, positions 80, two blocks of 8·d·n_qkv + 2·d·n_ffn = 1536
	// (TokenFormer blocks' LayerNorms have no parameters), final norm 32, head 170.
	fmt.Println("parameters:", vision.NumParams(store))

	exec, err := model.NewExec(b, store, func(scope *model.Scope, images *graph.Node) *graph.Node {
		return m.Logits(scope, images, false) // false: inference (no drop path)
	})
	if err != nil {
		log.Fatal(err)
	}
	defer exec.Finalize()
	images := tensors.FromShape(m.InputShape(2)) // [2, 16, 16, 3] float32, all zeros
	logits, err := exec.Call1(images)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("input:", images.Shape())
	fmt.Println("logits:", logits.Shape())
	// Output:
	// parameters: 6458
	// input: (Float32)[2, 16, 16, 3]
	// logits: (Float32)[2, 10]
}
