package train_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/train"
)

// Train a tiny model for two steps on a dataset of solid-colour images, as
// `tfvision train --config demo --set …` would, and find its checkpoint in the run
// directory. Calling Run again with the same config resumes from there.
func ExampleRun() {
	tmp, err := os.MkdirTemp("", "tfvision-train")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	data, out := filepath.Join(tmp, "data"), filepath.Join(tmp, "run")
	writeColours(data)

	cfg, err := configs.Load(configs.Source{File: "demo", Sets: []string{
		"data.dir=" + data, "out=" + out, "backend=go",
		"model.image_size=16", "model.patch=8", "model.dim=16", "model.depth=2", "model.heads=2",
		"model.qkv_tokens=8", "model.proj_tokens=8", "model.ffn_tokens=16", "model.num_classes=3",
		"optim.batch_size=4", "log.progress=false",
	}})
	if err != nil {
		log.Fatal(err)
	}
	// StopAfter ends the run early, with a checkpoint, as an interrupt (Ctrl-C, a cancelled
	// ctx) would: Run then returns ErrInterrupted with the summary so far.
	sum, err := train.Run(context.Background(), train.Options{Config: cfg, StopAfter: 2})
	if err != nil && !errors.Is(err, train.ErrInterrupted) {
		log.Fatal(err)
	}
	fmt.Println("steps:", sum.Steps)
	// The checkpoint just saved: what run.Load and `tfvision predict` load.
	rel, _ := filepath.Rel(out, sum.Checkpoint)
	fmt.Println("checkpoint:", filepath.ToSlash(rel))
	// Output:
	// steps: 2
	// checkpoint: checkpoints/step-000000002.safetensors
}

// writeColours writes a folders-layout dataset: 8 training and 2 validation 16×16 PNGs of
// each of three colours.
func writeColours(root string) {
	colours := map[string]color.RGBA{"red": {220, 30, 30, 255}, "green": {30, 220, 30, 255}, "blue": {30, 30, 220, 255}}
	for split, n := range map[string]int{"train": 8, "val": 2} {
		for name, c := range colours {
			dir := filepath.Join(root, split, name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				log.Fatal(err)
			}
			img := image.NewRGBA(image.Rect(0, 0, 16, 16))
			for p := 0; p < len(img.Pix); p += 4 {
				img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = c.R, c.G, c.B, c.A
			}
			for i := range n {
				f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.png", i)))
				if err != nil {
					log.Fatal(err)
				}
				if err := png.Encode(f, img); err != nil {
					log.Fatal(err)
				}
				f.Close()
			}
		}
	}
}
