package predict

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/internal/testbackend"
	"github.com/tfvision/tfvision/vision"
)

// A predictor with a PixelNorm classifies from 8-bit images, normalised in its graph: the
// same classes as from float32 images, probabilities apart by the 8-bit rounding only.
func TestClassifyOnPixelsMatchesFloats(t *testing.T) {
	b := testbackend.Go(t)
	m, err := vision.New(vision.Config{Kind: vision.KindTokenFormer, ImageSize: 16, Patch: 4, Channels: 3, Dim: 16, Depth: 1, Heads: 2,
		NumClasses: 5, QKVTokens: 8, ProjTokens: 8, FFNTokens: 16})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Build(b, store, 3); err != nil {
		t.Fatal(err)
	}
	ev, err := augment.NewEval(augment.EvalConfig{Size: 16, CropPct: 0.8, Interp: augment.Bicubic, Mean: augment.ImageNetMean, Std: augment.ImageNetStd})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var paths []string
	for k := range 7 {
		img := image.NewRGBA(image.Rect(0, 0, 37+k, 29))
		for y := range 29 {
			for x := range 37 + k {
				img.Set(x, y, color.RGBA{uint8(x * 7 * (k + 1)), uint8(y*9 + 30*k), uint8((x ^ y) * 5), 255})
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("%d.png", k))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, p)
	}
	classify := func(pixels bool) []Prediction {
		p, err := eval.NewPredictor(b, m, store, 4)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Finalize()
		if pixels {
			scale, bias := augment.NormalizeAffine(augment.ImageNetMean, augment.ImageNetStd)
			p.PixelNorm = vision.PixelNorm{Scale: scale, Bias: bias}
		}
		var out []Prediction
		if err := Classify(context.Background(), p, ev, nil, paths, 5, 2, 0, func(ps []Prediction) error {
			out = append(out, ps...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	f, px := classify(false), classify(true)
	if len(f) != 7 || len(px) != 7 {
		t.Fatalf("%d and %d predictions, want 7", len(f), len(px))
	}
	var worst float64
	for i := range f {
		if f[i].Err != "" || px[i].Err != "" {
			t.Fatalf("%s: %q / %q", paths[i], f[i].Err, px[i].Err)
		}
		if f[i].Top[0].Index != px[i].Top[0].Index {
			t.Errorf("%s: class %d from floats, %d from pixels", paths[i], f[i].Top[0].Index, px[i].Top[0].Index)
		}
		for j := range f[i].Top {
			worst = max(worst, math.Abs(f[i].Top[j].Prob-px[i].Top[j].Prob))
		}
	}
	t.Logf("max |Δprob| = %.2g", worst)
	if worst > 1e-3 {
		t.Errorf("probabilities differ by up to %.2g", worst)
	}
	if worst == 0 {
		t.Error("identical probabilities: the pixel path was not taken (its 8-bit rounding must show)")
	}
}
