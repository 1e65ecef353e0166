package augment

import (
	"image"
	"image/draw"
	"math"
	"strings"
	"testing"
)

func TestSampleRRCBox(t *testing.T) {
	const w, h = 500, 375
	scale, ratio := [2]float64{0.08, 1}, [2]float64{3.0 / 4, 4.0 / 3}
	rng := newRNG(5)
	var sumScale float64
	fallbacks := 0
	const n = 10000
	for range n {
		b := SampleRRCBox(w, h, scale, ratio, rng)
		if b.Min.X < 0 || b.Min.Y < 0 || b.Max.X > w || b.Max.Y > h || b.Empty() {
			t.Fatalf("box %v outside %dx%d", b, w, h)
		}
		s := float64(b.Dx()*b.Dy()) / (w * h)
		r := float64(b.Dx()) / float64(b.Dy())
		sumScale += s
		// Rounding w and h to whole pixels moves ratio and area by ≤ ~1.5% at
		// the smallest boxes (about 100 px a side).
		inRange := s >= scale[0]*0.97 && s <= 1 && r >= ratio[0]*0.985 && r <= ratio[1]*1.015
		if !inRange {
			// Only the fallback (center crop, ratio clamped) may be outside.
			fb := b == image.Rect(0, 0, w, h)
			if !fb {
				t.Fatalf("box %v: scale %.4f ratio %.4f out of range and not the fallback", b, s, r)
			}
			fallbacks++
		}
	}
	mean := sumScale / n
	// Uniform area in [0.08,1] has mean 0.54; large boxes with extreme ratios
	// are rejected (they do not fit 500×375), which lowers the mean a bit.
	if mean < 0.40 || mean > 0.56 {
		t.Errorf("mean scale %.4f implausible", mean)
	}
	t.Logf("mean scale %.4f, %d out-of-range fallbacks", mean, fallbacks)
}

func TestSampleRRCBoxFallback(t *testing.T) {
	rng := newRNG(6)
	// A 10×100 image cannot hold a full-area square: after 10 failed tries the
	// fallback is the central crop with the ratio clamped to 1: 10×10 at y=45.
	b := SampleRRCBox(10, 100, [2]float64{1, 1}, [2]float64{1, 1}, rng)
	if want := image.Rect(0, 45, 10, 55); b != want {
		t.Fatalf("fallback %v, want %v", b, want)
	}
	// Wide image, ratio clamped to 4/3: h=30, w=round(40)=40, x=(200-40)/2.
	b = SampleRRCBox(200, 30, [2]float64{1, 1}, [2]float64{3.0 / 4, 4.0 / 3}, rng)
	if want := image.Rect(80, 0, 120, 30); b != want {
		t.Fatalf("fallback %v, want %v", b, want)
	}
}

func TestEvalGeometry(t *testing.T) {
	rw, rh, top, left := EvalGeometry(500, 375, 224, 0.875)
	if rw != 341 || rh != 256 || top != 16 || left != 58 { // (341-224)/2 = 58.5 rounds half to even
		t.Fatalf("geometry %d×%d at (%d,%d), want 341×256 at (16,58)", rw, rh, top, left)
	}
	rw, rh, top, left = EvalGeometry(375, 500, 224, 0.875)
	if rw != 256 || rh != 341 || top != 58 || left != 16 {
		t.Fatalf("portrait geometry %d×%d at (%d,%d)", rw, rh, top, left)
	}
}

// A coordinate-encoding image (R = x low byte, B = y low byte, G = high bits) through the
// nearest-neighbour eval transform reveals which source pixel every output
// comes from: it must be the one under the center of the output pixel of the
// 341×256 resize, shifted by the crop offset (58, 16).
func TestEvalCropOffset(t *testing.T) {
	const w, h = 500, 375
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := img.Pix[y*img.Stride+4*x:]
			p[0], p[1], p[2], p[3] = uint8(x), uint8(x>>8|(y>>8)<<4), uint8(y), 255
		}
	}
	ev, err := NewEval(EvalConfig{Size: 224, CropPct: 0.875, Interp: Nearest, Mean: [3]float32{}, Std: [3]float32{1.0 / 255, 1.0 / 255, 1.0 / 255}})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 224*224*3)
	if err := ev.Apply(img, nil, dst); err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 224; y++ {
		for x := 0; x < 224; x++ {
			p := dst[(y*224+x)*3:]
			g := int(math.Round(float64(p[1])))
			gx := int(math.Round(float64(p[0]))) + 256*(g&15)
			gy := int(math.Round(float64(p[2]))) + 256*(g>>4)
			wx := int(math.Floor((float64(x+58) + 0.5) * w / 341))
			wy := int(math.Floor((float64(y+16) + 0.5) * h / 256))
			if gx != wx || gy != wy {
				t.Fatalf("out (%d,%d) from src (%d,%d), want (%d,%d)", x, y, gx, gy, wx, wy)
			}
		}
	}
	// Bicubic: the fused resize+crop equals a full resize then a crop.
	src := syntheticYCbCr(w, h, 7)
	ev, _ = NewEval(EvalConfig{Size: 224, CropPct: 0.875, Interp: Bicubic, Mean: [3]float32{}, Std: [3]float32{1.0 / 255, 1.0 / 255, 1.0 / 255}})
	if err := ev.Apply(src, nil, dst); err != nil {
		t.Fatal(err)
	}
	ax, ay := cropAxes(src.Bounds(), 341, 256)
	full := captureResample(src, ax, ay, Bicubic)
	for y := 0; y < 224; y++ {
		for x := 0; x < 224; x++ {
			for c := range 3 {
				want := min(max(full[((y+16)*341+x+58)*3+c], 0), 255)
				if got := dst[(y*224+x)*3+c]; math.Abs(float64(got-want)) > 1e-3 {
					t.Fatalf("bicubic (%d,%d,%d) = %v, want %v", x, y, c, got, want)
				}
			}
		}
	}
}

func TestConfigValidation(t *testing.T) {
	mod := func(f func(*TrainConfig)) TrainConfig { c := DefaultTrainConfig(); f(&c); return c }
	cases := map[string]TrainConfig{
		"Size":        mod(func(c *TrainConfig) { c.Size = 0 }),
		"Scale":       mod(func(c *TrainConfig) { c.Scale = [2]float64{0.5, 0.1} }),
		"Ratio":       mod(func(c *TrainConfig) { c.Ratio = [2]float64{0, 1} }),
		"HFlip":       mod(func(c *TrainConfig) { c.HFlip = 1.5 }),
		"ReProb":      mod(func(c *TrainConfig) { c.ReProb = -0.1 }),
		"Std[1]":      mod(func(c *TrainConfig) { c.Std[1] = 0 }),
		"Interp":      mod(func(c *TrainConfig) { c.Interp = 9 }),
		"RandAugment": mod(func(c *TrainConfig) { c.RandAugment = "rand-q9" }),
	}
	for field, cfg := range cases {
		if _, err := NewTrain(cfg); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: err = %v", field, err)
		}
	}
	if _, err := NewTrain(DefaultTrainConfig()); err != nil {
		t.Error(err)
	}
	e := DefaultEvalConfig()
	e.CropPct = 1.2
	if _, err := NewEval(e); err == nil || !strings.Contains(err.Error(), "CropPct") {
		t.Errorf("CropPct: %v", err)
	}
}

func TestTrainDeterminism(t *testing.T) {
	tr, err := NewTrain(DefaultTrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	img := syntheticYCbCr(500, 375, 8)
	a := make([]float32, 224*224*3)
	b := make([]float32, 224*224*3)
	for seed := uint64(0); seed < 20; seed++ {
		if err := tr.Apply(img, newRNG(seed), a); err != nil {
			t.Fatal(err)
		}
		if err := tr.Apply(img, newRNG(seed), b); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("seed %d: differs at %d", seed, i)
			}
		}
	}
	_ = tr.Apply(img, newRNG(100), b)
	same := true
	for i := range a {
		if a[i] != b[i] {
			same = false
			break
		}
	}
	if same {
		t.Fatal("different seeds gave the same output")
	}
	// Wrong dst size is an error, not a panic.
	if err := tr.Apply(img, newRNG(1), a[:10]); err == nil {
		t.Error("short dst accepted")
	}
}

// Without RandAugment the fused float path must agree with the 8-bit path up
// to the uint8 rounding (≤ 0.5/255/std).
func TestFusedMatches8Bit(t *testing.T) {
	cfg := DefaultTrainConfig()
	cfg.RandAugment, cfg.ReProb = "", 0
	tr, _ := NewTrain(cfg)
	img := syntheticYCbCr(500, 375, 9)
	dst := make([]float32, 224*224*3)
	_ = tr.Apply(img, newRNG(11), dst)
	rng := newRNG(11)
	box := SampleRRCBox(500, 375, cfg.Scale, cfg.Ratio, rng)
	flip := rng.Float64() < cfg.HFlip
	ref := ResizedCrop(img, box, 224, 224, cfg.Interp, flip)
	for y := 0; y < 224; y++ {
		for x := 0; x < 224; x++ {
			for c := range 3 {
				v := float64(dst[(y*224+x)*3+c])*float64(cfg.Std[c]) + float64(cfg.Mean[c])
				if d := math.Abs(v*255 - float64(ref.Pix[y*ref.Stride+4*x+c])); d > 0.5001 {
					t.Fatalf("(%d,%d,%d) differs by %v", x, y, c, d)
				}
			}
		}
	}
}

// Gray sources are replicated to three equal channels; sub-images (non-zero
// origin) give exactly what a copy at the origin gives.
func TestSourcesThroughTransforms(t *testing.T) {
	cfg := DefaultTrainConfig()
	cfg.RandAugment, cfg.ReProb = "", 0
	cfg.Mean, cfg.Std = [3]float32{}, [3]float32{1, 1, 1}
	tr, _ := NewTrain(cfg)
	gray := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 7)
	}
	dst := make([]float32, 224*224*3)
	if err := tr.Apply(gray, newRNG(1), dst); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(dst); i += 3 {
		if dst[i] != dst[i+1] || dst[i] != dst[i+2] {
			t.Fatalf("gray pixel %d has channels %v", i/3, dst[i:i+3])
		}
	}
	// A YCbCr sub-image (an even origin keeps the chroma grid) and its planes copied to
	// the origin; an NRGBA sub-image and its copy.
	full := syntheticYCbCr(400, 300, 2)
	sub := full.SubImage(image.Rect(50, 40, 350, 260)).(*image.YCbCr)
	cp := image.NewYCbCr(image.Rect(0, 0, 300, 220), image.YCbCrSubsampleRatio420)
	for y := range 220 {
		copy(cp.Y[y*cp.YStride:(y+1)*cp.YStride], sub.Y[sub.YOffset(50, 40+y):])
	}
	for y := range 110 {
		copy(cp.Cb[y*cp.CStride:(y+1)*cp.CStride], sub.Cb[sub.COffset(50, 40+2*y):])
		copy(cp.Cr[y*cp.CStride:(y+1)*cp.CStride], sub.Cr[sub.COffset(50, 40+2*y):])
	}
	rgbFull := randomNRGBA(400, 300, 3)
	rgbSub := rgbFull.SubImage(image.Rect(51, 37, 350, 260))
	rgbCp := image.NewNRGBA(image.Rect(0, 0, 299, 223))
	draw.Draw(rgbCp, rgbCp.Rect, rgbSub, image.Pt(51, 37), draw.Src)
	ev, _ := NewEval(DefaultEvalConfig())
	for _, c := range []struct {
		name string
		a, b image.Image
	}{{"ycbcr", sub, cp}, {"nrgba", rgbSub, rgbCp}} {
		a, b := make([]float32, 224*224*3), make([]float32, 224*224*3)
		if err := ev.Apply(c.a, nil, a); err != nil {
			t.Fatal(err)
		}
		if err := ev.Apply(c.b, nil, b); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s sub-image eval differs at %d: %v vs %v", c.name, i, a[i], b[i])
			}
		}
	}
}

// Workers share one Train: concurrent calls give the same bytes as
// sequential ones (pooled scratch is never shared between calls).
func TestTrainConcurrent(t *testing.T) {
	tr, _ := NewTrain(DefaultTrainConfig())
	img := syntheticYCbCr(200, 150, 4)
	const n = 16
	want := make([][]float32, n)
	for i := range n {
		want[i] = make([]float32, 224*224*3)
		_ = tr.Apply(img, newRNG(uint64(i)), want[i])
	}
	errs := make(chan string, n)
	for i := range n {
		go func() {
			dst := make([]float32, 224*224*3)
			_ = tr.Apply(img, newRNG(uint64(i)), dst)
			for j := range dst {
				if dst[j] != want[i][j] {
					errs <- "differs"
					return
				}
			}
			errs <- ""
		}()
	}
	for range n {
		if e := <-errs; e != "" {
			t.Fatal("concurrent Apply differs from sequential")
		}
	}
}

// Tiny and odd-shaped images go through both transforms without trouble and
// a 1×1 image gives a constant output.
func TestTinyImages(t *testing.T) {
	tr, _ := NewTrain(DefaultTrainConfig())
	ev, _ := NewEval(DefaultEvalConfig())
	dst := make([]float32, 224*224*3)
	for _, sz := range [][2]int{{1, 1}, {3, 2}, {1, 700}, {900, 2}} {
		img := randomNRGBA(sz[0], sz[1], 5)
		for seed := range uint64(5) {
			if err := tr.Apply(img, newRNG(seed), dst); err != nil {
				t.Fatal(err)
			}
		}
		if err := ev.Apply(img, nil, dst); err != nil {
			t.Fatal(err)
		}
		if sz == [2]int{1, 1} {
			for i := 3; i < len(dst); i++ {
				if math.Abs(float64(dst[i]-dst[i%3])) > 1e-5 {
					t.Fatalf("1×1 eval not constant at %d", i)
				}
			}
		}
	}
}
