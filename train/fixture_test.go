package train

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tfvision/tfvision/configs"
)

// writeTree writes a 3-class ImageNet-layout tree of 16×16 PNGs: each class is a colour
// plus seeded noise, so a tiny model can learn it in a few steps.
func writeTree(t testing.TB, dir string, perClass map[string]int) {
	t.Helper()
	colours := []color.RGBA{{200, 40, 40, 255}, {40, 200, 40, 255}, {40, 40, 200, 255}}
	rng := rand.New(rand.NewPCG(1, 2))
	for split, n := range perClass {
		for c, name := range []string{"a", "b", "c"} {
			d := filepath.Join(dir, split, name)
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				img := image.NewRGBA(image.Rect(0, 0, 16, 16))
				for p := 0; p < len(img.Pix); p += 4 {
					base := colours[c]
					jit := func(v uint8) uint8 { return uint8(max(0, min(255, int(v)+rng.IntN(81)-40))) }
					img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = jit(base.R), jit(base.G), jit(base.B), 255
				}
				f, err := os.Create(filepath.Join(d, fmt.Sprintf("%s_%03d.png", name, i)))
				if err != nil {
					t.Fatal(err)
				}
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
		}
	}
}

// tinyConfig is the demo config shrunk to a model that trains in milliseconds per step.
func tinyConfig(t testing.TB, data, out string, sets ...string) configs.Config {
	t.Helper()
	base := []string{"model.image_size=16", "model.patch=4", "model.dim=16", "model.depth=2", "model.heads=2",
		"model.qkv_tokens=8", "model.proj_tokens=8", "model.ffn_tokens=16", "model.num_classes=3", "model.drop_path=0.1",
		"optim.batch_size=8", "optim.epochs=2", "optim.lr=0.003", "optim.warmup_steps=2", "optim.ema_decay=0.9",
		"augment.mixup=0.8", "augment.cutmix=1.0", "augment.label_smoothing=0.1", "augment.hflip=0.5",
		"eval.batch_size=6", "data.workers=2", "log.progress=false", "log.every_steps=1"}
	cfg, err := configs.Load(configs.Source{File: "demo", Flags: map[string]string{"data.dir": data, "out": out}, Sets: append(base, sets...)})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
