package imagenet

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/imagenet/decode"
)

// texturedSplit writes n w×h JPEGs with gradients and noise (so that crops, RandAugment
// and resampling all change pixels) labelled k%classes.
func texturedSplit(t *testing.T, n, w, h, classes int) *Split {
	t.Helper()
	dir := t.TempDir()
	sp := &Split{Name: "train"}
	for k := range n {
		rng := rand.New(rand.NewPCG(uint64(k), 11))
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Set(x, y, color.RGBA{uint8(x*255/w) ^ uint8(rng.IntN(40)), uint8(y * 255 / h), uint8((x + y + 40*k) % 256), 255})
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("t%03d.jpg", k))
		writeFile(t, p, jpegBytes(t, img))
		sp.Samples = append(sp.Samples, Sample{Path: p, Label: k % classes})
	}
	return sp
}

// A Pixels loader delivers the bytes whose normalisation is the float loader's batch, bit for
// bit (with RandAugment the float path normalises 8-bit pixels too), in the same order with
// the same augmentation draws, whatever the worker count; every decoder path (full decode,
// reduced-scale decodes of a CropPlanner, an eval DecodeHinter) goes through the byte sink.
func TestLoaderPixelsNormaliseToTheFloatBatches(t *testing.T) {
	sp := texturedSplit(t, 11, 160, 120, 3)
	tcfg := augment.DefaultTrainConfig()
	tcfg.Size, tcfg.ReProb = 32, 0
	tr, err := augment.NewTrain(tcfg)
	if err != nil {
		t.Fatal(err)
	}
	ecfg := augment.DefaultEvalConfig()
	ecfg.Size = 32
	ev, err := augment.NewEval(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, turbo := range []bool{false, true} {
		restore, err := decode.UseTurbo(turbo)
		if err != nil {
			t.Logf("libjpeg-turbo not available, reduced-scale byte decodes untested: %v", err)
			continue
		}
		t.Cleanup(restore)
		for name, tf := range map[string]Transform{"train": tr, "eval": ev} {
			cfg := LoaderConfig{BatchSize: 4, Workers: 1, Seed: 5, Shuffle: true, Repeats: 2, Transform: tf}
			floats := collect(t, mustLoader(t, sp, cfg), 1, 0)
			cfg.Pixels, cfg.Workers = true, 3
			px := collect(t, mustLoader(t, sp, cfg), 1, 0)
			if len(px) != len(floats) || len(px) != 6 {
				t.Fatalf("%s: %d byte batches, %d float batches, want 6", name, len(px), len(floats))
			}
			for i := range px {
				p, f := px[i], floats[i]
				if p.Images != nil || len(p.Pixels) != 4*32*32*3 || f.Pixels != nil {
					t.Fatalf("%s batch %d: Images %d floats, Pixels %d bytes", name, i, len(p.Images), len(p.Pixels))
				}
				if p.Valid != f.Valid || !slices.Equal(p.Indices, f.Indices) || !slices.Equal(p.Labels, f.Labels) {
					t.Fatalf("%s batch %d: indices %v vs %v", name, i, p.Indices, f.Indices)
				}
				got := make([]float32, len(p.Pixels))
				augment.NormalizePixels(p.Pixels, tcfg.Mean, tcfg.Std, got)
				for j := range got {
					if f.Indices[j/(32*32*3)] < 0 {
						continue // padding: zero bytes, zero floats
					}
					if name == "train" && got[j] != f.Images[j] {
						t.Fatalf("%s turbo=%v batch %d: float %d is %v from bytes, %v from the float loader", name, turbo, i, j, got[j], f.Images[j])
					}
					// The eval float path skips the 8-bit rounding: half a level apart at most.
					if d := got[j] - f.Images[j]; name == "eval" && (d > 0.0088 || d < -0.0088) {
						t.Fatalf("%s turbo=%v batch %d: float %d is %v from bytes, %v from the float loader", name, turbo, i, j, got[j], f.Images[j])
					}
				}
			}
		}
	}
}

func TestLoaderPixelsRefusesAFloatOnlyTransform(t *testing.T) {
	sp := flatSplit(t, t.TempDir(), 4, 2)
	if _, err := NewLoader(sp, LoaderConfig{BatchSize: 2, Pixels: true, Transform: nearestTransform{h: 4, w: 4}}); err == nil {
		t.Fatal("a Pixels loader accepted a transform without ApplyBytes")
	}
}
