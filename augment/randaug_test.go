package augment

import (
	"bytes"
	"image"
	"math"
	"strings"
	"testing"
)

// imgOf builds a w×h image whose pixel i has RGB vals[i] (gray if 1 value).
func imgOf(w, h int, vals ...[3]uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		v := vals[i%len(vals)]
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = v[0], v[1], v[2], 255
	}
	return img
}

func px(img *image.NRGBA, i int) [3]uint8 {
	return [3]uint8{img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2]}
}

func TestLUTOps(t *testing.T) {
	vals := [][3]uint8{{0, 100, 127}, {128, 200, 255}}
	cases := []struct {
		name string
		op   func(*image.NRGBA)
		want [][3]uint8
	}{
		{"Invert", Invert, [][3]uint8{{255, 155, 128}, {127, 55, 0}}},
		{"Posterize1", func(m *image.NRGBA) { Posterize(m, 1) }, [][3]uint8{{0, 0, 0}, {128, 128, 128}}},
		{"Posterize3", func(m *image.NRGBA) { Posterize(m, 3) }, [][3]uint8{{0, 96, 96}, {128, 192, 224}}},
		{"Posterize0", func(m *image.NRGBA) { Posterize(m, 0) }, [][3]uint8{{0, 0, 0}, {0, 0, 0}}},
		{"Posterize8", func(m *image.NRGBA) { Posterize(m, 8) }, vals},
		{"Solarize128", func(m *image.NRGBA) { Solarize(m, 128) }, [][3]uint8{{0, 100, 127}, {127, 55, 0}}},
		{"Solarize256", func(m *image.NRGBA) { Solarize(m, 256) }, vals},
		{"SolarizeAdd", func(m *image.NRGBA) { SolarizeAdd(m, 50, 128) }, [][3]uint8{{50, 150, 177}, {128, 200, 255}}},
		{"Brightness0", func(m *image.NRGBA) { Brightness(m, 0) }, [][3]uint8{{0, 0, 0}, {0, 0, 0}}},
		{"Brightness1", func(m *image.NRGBA) { Brightness(m, 1) }, vals},
		// 1.5·v truncated and clipped.
		{"Brightness1.5", func(m *image.NRGBA) { Brightness(m, 1.5) }, [][3]uint8{{0, 150, 190}, {192, 255, 255}}},
		{"Sharpness1", func(m *image.NRGBA) { Sharpness(m, 1) }, vals},
	}
	for _, c := range cases {
		img := imgOf(2, 1, vals...)
		c.op(img)
		for i, w := range c.want {
			if got := px(img, i); got != w {
				t.Errorf("%s pixel %d = %v, want %v", c.name, i, got, w)
			}
		}
		if img.Pix[3] != 255 || img.Pix[7] != 255 {
			t.Errorf("%s touched alpha", c.name)
		}
	}
}

func TestAutoContrast(t *testing.T) {
	// R in {50,100,150}: scale 2.55, offset −127.5: 0, int(127.5)=127, 255.
	// G constant: unchanged. B {0,...,255} already full: unchanged.
	img := imgOf(3, 1, [3]uint8{50, 7, 0}, [3]uint8{100, 7, 30}, [3]uint8{150, 7, 255})
	AutoContrast(img)
	want := [][3]uint8{{0, 7, 0}, {127, 7, 30}, {255, 7, 255}}
	for i, w := range want {
		if got := px(img, i); got != w {
			t.Errorf("pixel %d = %v, want %v", i, got, w)
		}
	}
}

func TestEqualize(t *testing.T) {
	// 1024 pixels, half at 50 and half at 200: step = (1024−512)/255 = 2,
	// lut[50] = 1/2 = 0, lut[200] = (1+512)/2 → 256 clipped to 255.
	img := imgOf(32, 32, [3]uint8{50, 50, 50}, [3]uint8{200, 200, 200})
	Equalize(img)
	if a, b := px(img, 0), px(img, 1); a != [3]uint8{0, 0, 0} || b != [3]uint8{255, 255, 255} {
		t.Fatalf("equalize 2-level: %v %v", a, b)
	}
	// Tiny image: step 0, identity (Pillow's rule).
	img = imgOf(2, 1, [3]uint8{50, 50, 50}, [3]uint8{200, 200, 200})
	Equalize(img)
	if a := px(img, 0); a != [3]uint8{50, 50, 50} {
		t.Fatalf("equalize tiny: %v", a)
	}
}

func TestEnhanceDegenerates(t *testing.T) {
	vals := [][3]uint8{{255, 0, 0}, {0, 255, 0}, {10, 20, 30}, {200, 100, 50}}
	img := imgOf(2, 2, vals...)
	Color(img, 0)
	for i, v := range vals {
		l := luma(v[0], v[1], v[2])
		if got := px(img, i); got != [3]uint8{l, l, l} {
			t.Errorf("Color(0) pixel %d = %v, want gray %d", i, got, l)
		}
	}
	img = imgOf(2, 2, vals...)
	Contrast(img, 0)
	var sum float64
	for _, v := range vals {
		sum += float64(luma(v[0], v[1], v[2]))
	}
	m := uint8(int(sum/4 + 0.5))
	for i := range vals {
		if got := px(img, i); got != [3]uint8{m, m, m} {
			t.Errorf("Contrast(0) pixel %d = %v, want %d", i, got, m)
		}
	}
	// Sharpness(0) = SMOOTH: the center of a 3×3 with a bright middle.
	img = imgOf(3, 3, [3]uint8{0, 0, 0})
	copy(img.Pix[4*4:], []uint8{130, 130, 130})
	Sharpness(img, 0)
	if got := px(img, 4); got != [3]uint8{50, 50, 50} { // 130·5/13 = 50
		t.Errorf("Sharpness(0) center = %v, want 50", got)
	}
	if got := px(img, 0); got != [3]uint8{0, 0, 0} {
		t.Errorf("Sharpness(0) border changed: %v", got)
	}
}

func TestGeometricOps(t *testing.T) {
	src := randomNRGBA(4, 4, 12)
	var img *image.NRGBA
	for _, interp := range []Interpolation{Nearest, Bilinear, Bicubic} {
		img = cloneNRGBA(src)
		Rotate(img, 0, interp)
		if !bytes.Equal(img.Pix, src.Pix) {
			t.Fatalf("%v: Rotate(0) is not the identity", interp)
		}
		img = cloneNRGBA(src)
		Rotate(img, 90, interp) // counter-clockwise: out(x,y) = in(w−1−y, x)
		for y := 0; y < 4; y++ {
			for x := 0; x < 4; x++ {
				if got, want := rgbAt(img, x, y), rgbAt(src, 3-y, x); got != want {
					t.Fatalf("%v: Rotate(90) (%d,%d) = %v, want %v", interp, x, y, got, want)
				}
			}
		}
		img = cloneNRGBA(src)
		Affine(img, [6]float64{1, 0, 1, 0, 1, 0}, interp) // translate: out(x,y) = in(x+1,y), right column filled
		for y := 0; y < 4; y++ {
			for x := 0; x < 4; x++ {
				want := fillColor
				if x < 3 {
					want = rgbAt(src, x+1, y)
				}
				if got := rgbAt(img, x, y); got != want {
					t.Fatalf("%v: translate (%d,%d) = %v, want %v", interp, x, y, got, want)
				}
			}
		}
	}
	img = cloneNRGBA(src)
	Affine(img, [6]float64{1, 1, 0, 0, 1, 0}, Bilinear) // shear x by 1
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			// u = x+0.5 + y+0.5 → sample at x+y+0.5: halfway between x+y and x+y+1.
			if x+y+1 < 4 {
				a, b := rgbAt(src, x+y, y), rgbAt(src, x+y+1, y)
				got := rgbAt(img, x, y)
				for c := range 3 {
					want := (float64(a[c]) + float64(b[c])) / 2
					if math.Abs(float64(got[c])-want) > 0.51 {
						t.Fatalf("shear (%d,%d,%d) = %v, want %v", x, y, c, got[c], want)
					}
				}
			} else if x+y >= 4 {
				if got := rgbAt(img, x, y); got != fillColor {
					t.Fatalf("shear (%d,%d) = %v, want fill", x, y, got)
				}
			}
		}
	}
}

func TestCubicWeights(t *testing.T) {
	var w [4]float32
	for _, d := range []float64{0, 0.25, 0.5, 0.9} {
		cubicWeights(d, &w)
		if s := w[0] + w[1] + w[2] + w[3]; math.Abs(float64(s)-1) > 1e-6 {
			t.Errorf("d=%v: weights %v sum %v", d, w, s)
		}
	}
	cubicWeights(0.5, &w)
	if w != [4]float32{-0.125, 0.625, 0.625, -0.125} {
		t.Errorf("d=0.5: %v", w)
	}
}

func TestParseRandAugment(t *testing.T) {
	c, err := ParseRandAugment("rand-m9-mstd0.5-inc1")
	if err != nil {
		t.Fatal(err)
	}
	want := RandAugmentConfig{NumOps: 2, Magnitude: 9, MagnitudeStd: 0.5, MagnitudeMax: 10, Increasing: true, Prob: 0.5}
	if c != want {
		t.Fatalf("got %+v, want %+v", c, want)
	}
	c, err = ParseRandAugment("rand-m9-n3-mstd0.5")
	want.NumOps, want.Increasing = 3, false
	if err != nil || c != want {
		t.Fatalf("got %+v %v, want %+v", c, err, want)
	}
	c, err = ParseRandAugment("rand-m7-mstd101-p0.7")
	if err != nil || !math.IsInf(c.MagnitudeStd, 1) || c.Prob != 0.7 || c.Magnitude != 7 {
		t.Fatalf("got %+v %v", c, err)
	}
	for spec, tok := range map[string]string{
		"rand-m9-x3":        "x3",
		"auto-m9":           "auto",
		"rand-mfoo":         "mfoo",
		"rand-n0":           "n0",
		"rand-m9-inc2":      "inc2",
		"rand-m9--mstd0.5":  `""`,
		"rand-m9-mstd0.5.1": "mstd0.5.1",
	} {
		_, err := ParseRandAugment(spec)
		if err == nil || !strings.Contains(err.Error(), tok) {
			t.Errorf("%q: err %v does not name %s", spec, err, tok)
		}
	}
}

// timm's level mappings at magnitude 9 (inc1): posterize keeps 4−int(3.6)=1
// bit, solarize threshold 256−int(230.4)=26, solarize-add int(99)=99.
func TestLevelMappings(t *testing.T) {
	vals := [][3]uint8{{20, 30, 200}}
	for _, c := range []struct {
		op   opKind
		ref  func(*image.NRGBA)
		name string
	}{
		{opPosterize, func(m *image.NRGBA) { Posterize(m, 1) }, "posterize"},
		{opSolarize, func(m *image.NRGBA) { Solarize(m, 26) }, "solarize"},
		{opSolarizeAdd, func(m *image.NRGBA) { SolarizeAdd(m, 99, 128) }, "solarize-add"},
	} {
		a, b := imgOf(1, 1, vals...), imgOf(1, 1, vals...)
		applyOp(a, c.op, 9, true, Bilinear, newRNG(1))
		c.ref(b)
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("%s: %v, want %v", c.name, a.Pix, b.Pix)
		}
	}
	// Non-increasing posterize at 9 keeps int(3.6) = 3 bits.
	a, b := imgOf(1, 1, vals...), imgOf(1, 1, vals...)
	applyOp(a, opPosterize, 9, false, Bilinear, newRNG(1))
	Posterize(b, 3)
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Errorf("posterize inc0: %v, want %v", a.Pix, b.Pix)
	}
	// Brightness at 10 (inc1): factor 1 ± 0.9 → 0.1 or 1.9.
	a = imgOf(1, 1, [3]uint8{100, 100, 100})
	applyOp(a, opBrightness, 10, true, Bilinear, newRNG(1))
	if v := a.Pix[0]; v != 10 && v != 190 {
		t.Errorf("brightness at 10: %d, want 10 or 190", v)
	}
}

func TestRandAugmentDeterminism(t *testing.T) {
	c, _ := ParseRandAugment("rand-m9-mstd0.5-inc1")
	ra := NewRandAugment(c)
	src := randomNRGBA(32, 24, 13)
	changed := 0
	for seed := uint64(0); seed < 50; seed++ {
		a, b := cloneNRGBA(src), cloneNRGBA(src)
		ra.Apply(a, newRNG(seed))
		ra.Apply(b, newRNG(seed))
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Fatalf("seed %d not deterministic", seed)
		}
		if !bytes.Equal(a.Pix, src.Pix) {
			changed++
		}
	}
	// Both drawn ops are skipped with probability 0.5² = 1/4, so about 75% of
	// images change (a few ops can be no-ops on some images).
	if changed < 25 || changed > 50 {
		t.Errorf("%d of 50 images changed", changed)
	}
}
