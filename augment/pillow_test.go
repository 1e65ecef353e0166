package augment

import (
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestAgainstPillow compares with reference outputs of Pillow 9.4 (what
// torchvision and timm run on), made by testdata/gen_pil.py. Pillow's resize
// and transforms work in 8-bit fixed point (rounding between the two resize
// passes), we in float32, so resampled values may differ by one level; the
// table ops must match exactly.
func TestAgainstPillow(t *testing.T) {
	src := loadPNG(t, "src")
	check := func(name string, got *image.NRGBA, maxDiff int, maxMean float64) {
		t.Helper()
		want := loadPNG(t, name)
		if got.Rect.Size() != want.Rect.Size() {
			t.Fatalf("%s: size %v, want %v", name, got.Rect.Size(), want.Rect.Size())
		}
		worst, sum, n := 0, 0, 0
		w, h := want.Rect.Dx(), want.Rect.Dy()
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for c := range 3 {
					d := int(got.Pix[y*got.Stride+4*x+c]) - int(want.Pix[y*want.Stride+4*x+c])
					d = max(d, -d)
					worst = max(worst, d)
					sum += d
					n++
				}
			}
		}
		mean := float64(sum) / float64(n)
		if worst > maxDiff || mean > maxMean {
			t.Errorf("%s: max |diff| %d (allowed %d), mean %.4f (allowed %.4f)", name, worst, maxDiff, mean, maxMean)
		}
	}
	interps := map[string]Interpolation{"nearest": Nearest, "bilinear": Bilinear, "bicubic": Bicubic}
	for name, interp := range interps {
		check("rrc_down_"+name, ResizedCrop(src, image.Rect(5, 3, 45, 38), 17, 13, interp, false), 1, 0.5)
		check("rrc_up_"+name, ResizedCrop(src, image.Rect(10, 8, 26, 20), 37, 29, interp, false), 1, 0.5)
		check("rrc_mixed_"+name, ResizedCrop(src, src.Rect, 61, 19, interp, false), 1, 0.5)
	}
	// Eval: 48×40 at size 24, crop_pct 0.875 → 32×27, crop at (4, 2).
	ev, _ := NewEval(EvalConfig{Size: 24, CropPct: 0.875, Interp: Bicubic, Std: [3]float32{1.0 / 255, 1.0 / 255, 1.0 / 255}})
	dst := make([]float32, 24*24*3)
	if err := ev.Apply(src, nil, dst); err != nil {
		t.Fatal(err)
	}
	evImg := image.NewNRGBA(image.Rect(0, 0, 24, 24))
	for i := 0; i < 24*24; i++ {
		for c := range 3 {
			evImg.Pix[4*i+c] = clampRound(dst[3*i+c])
		}
	}
	check("eval_bicubic", evImg, 1, 0.5)

	op := func(f func(*image.NRGBA)) *image.NRGBA {
		img := cloneNRGBA(src)
		f(img)
		return img
	}
	check("autocontrast", op(AutoContrast), 0, 0)
	check("equalize", op(Equalize), 0, 0)
	check("invert", op(Invert), 0, 0)
	check("posterize2", op(func(m *image.NRGBA) { Posterize(m, 2) }), 0, 0)
	check("solarize100", op(func(m *image.NRGBA) { Solarize(m, 100) }), 0, 0)
	for _, f := range []float64{0.3, 1.7} {
		s := map[float64]string{0.3: "0.3", 1.7: "1.7"}[f]
		check("color"+s, op(func(m *image.NRGBA) { Color(m, f) }), 0, 0)
		check("contrast"+s, op(func(m *image.NRGBA) { Contrast(m, f) }), 0, 0)
		check("brightness"+s, op(func(m *image.NRGBA) { Brightness(m, f) }), 0, 0)
		check("sharpness"+s, op(func(m *image.NRGBA) { Sharpness(m, f) }), 0, 0)
	}
	for name, interp := range interps {
		check("rotate17_"+name, op(func(m *image.NRGBA) { Rotate(m, 17, interp) }), 1, 0.5)
		check("shearx_"+name, op(func(m *image.NRGBA) { Affine(m, [6]float64{1, 0.27, 0, 0, 1, 0}, interp) }), 1, 0.5)
		check("sheary_"+name, op(func(m *image.NRGBA) { Affine(m, [6]float64{1, 0, 0, -0.27, 1, 0}, interp) }), 1, 0.5)
		check("translatex_"+name, op(func(m *image.NRGBA) { Affine(m, [6]float64{1, 0, -7.3, 0, 1, 0}, interp) }), 1, 0.5)
	}
}

func loadPNG(t *testing.T, name string) *image.NRGBA {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "pil", name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewNRGBA(im.Bounds().Sub(im.Bounds().Min))
	draw.Draw(out, out.Rect, im, im.Bounds().Min, draw.Src)
	return out
}
