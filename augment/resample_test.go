package augment

import (
	"image"
	"math"
	"testing"
)

// A 4×3 image with distinct values, mirrored: dst must hold exactly the
// mirrored pixels, for identity-size nearest and bilinear resizes.
func TestFlipExact(t *testing.T) {
	img := randomNRGBA(4, 3, 1)
	for _, interp := range []Interpolation{Nearest, Bilinear, Bicubic} {
		out := ResizedCrop(img, img.Bounds(), 4, 3, interp, true)
		for y := 0; y < 3; y++ {
			for x := 0; x < 4; x++ {
				want := rgbAt(img, 3-x, y)
				if got := rgbAt(out, x, y); got != want {
					t.Fatalf("%v flip (%d,%d) = %v, want %v", interp, x, y, got, want)
				}
			}
		}
		// The float path, through normalisation with mean 0, std 1/255 (identity scale).
		nm := newNormalizer([3]float32{}, [3]float32{1.0 / 255, 1.0 / 255, 1.0 / 255})
		dst := make([]float32, 4*3*3)
		ax, ay := cropAxes(img.Bounds(), 4, 3)
		resample(img, ax, ay, interp, new(scratch), nm.emitFloat(dst, 4, true))
		for y := 0; y < 3; y++ {
			for x := 0; x < 4; x++ {
				want := rgbAt(img, 3-x, y)
				for c := range 3 {
					if got := dst[(y*4+x)*3+c]; math.Abs(float64(got)-float64(want[c])) > 1e-4 {
						t.Fatalf("%v float flip (%d,%d,%d) = %v, want %v", interp, x, y, c, got, want[c])
					}
				}
			}
		}
	}
}

func asSources(img *image.NRGBA) map[string]image.Image {
	rgba := image.NewRGBA(img.Rect)
	copy(rgba.Pix, img.Pix) // opaque: premultiplied == straight
	gray := image.NewGray(img.Rect)
	for i := range gray.Pix {
		gray.Pix[i] = img.Pix[4*i]
	}
	return map[string]image.Image{"nrgba": img, "rgba": rgba, "gray": gray}
}

// Identity resize reproduces the source pixels exactly for every source type read as RGB
// (fast paths agree with image.Image.At). YCbCr: TestPlanarIdentity.
func TestIdentityResizeExact(t *testing.T) {
	for name, src := range asSources(randomNRGBA(7, 5, 2)) {
		for _, interp := range []Interpolation{Nearest, Bilinear, Bicubic} {
			out := ResizedCrop(src, src.Bounds(), 7, 5, interp, false)
			for y := 0; y < 5; y++ {
				for x := 0; x < 7; x++ {
					if got, want := rgbAt(out, x, y), rgbAt(src, x, y); got != want {
						t.Fatalf("%s %v identity (%d,%d) = %v, want %v", name, interp, x, y, got, want)
					}
				}
			}
		}
	}
}

func TestConstantStaysConstant(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 37, 23))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 200, 13, 77, 255
	}
	for _, interp := range []Interpolation{Nearest, Bilinear, Bicubic} {
		for _, size := range [][2]int{{11, 17}, {80, 50}, {37, 23}} {
			ax, ay := cropAxes(image.Rect(3, 2, 30, 21), size[0], size[1])
			out := captureResample(img, ax, ay, interp)
			for i, v := range out {
				want := [3]float32{200, 13, 77}[i%3]
				if math.Abs(float64(v-want)) > 1e-3 {
					t.Fatalf("%v %v: out[%d] = %v, want %v", interp, size, i, v, want)
				}
			}
		}
	}
}

// Bilinear ×2 downscale uses Pillow's antialiased triangle: support 2 input
// pixels, interior weights (1,3,3,1)/8, edge taps clamped and renormalised
// ((3,3,1)/7 and (1,3,3)/7).
func TestBilinearDownscale2(t *testing.T) {
	v := []float64{10, 50, 20, 200, 90, 0, 255, 30}
	img := image.NewNRGBA(image.Rect(0, 0, 8, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 8; x++ {
			p := img.Pix[y*img.Stride+4*x:]
			p[0], p[1], p[2], p[3] = uint8(v[x]), uint8(255-v[x]), 9, 255
		}
	}
	want := []float64{
		(3*v[0] + 3*v[1] + v[2]) / 7,
		(v[1] + 3*v[2] + 3*v[3] + v[4]) / 8,
		(v[3] + 3*v[4] + 3*v[5] + v[6]) / 8,
		(v[5] + 3*v[6] + 3*v[7]) / 7,
	}
	ax, ay := cropAxes(img.Bounds(), 4, 1)
	out := captureResample(img, ax, ay, Bilinear)
	for x, wv := range want {
		if got := float64(out[3*x]); math.Abs(got-wv) > 1e-4 {
			t.Errorf("R[%d] = %v, want %v", x, got, wv)
		}
		if got := float64(out[3*x+1]); math.Abs(got-(255-wv)) > 1e-4 {
			t.Errorf("G[%d] = %v, want %v", x, got, 255-wv)
		}
	}
}

func TestNormalisationValues(t *testing.T) {
	img := randomNRGBA(6, 6, 4)
	ev, err := NewEval(EvalConfig{Size: 6, CropPct: 1, Interp: Bilinear, Mean: ImageNetMean, Std: ImageNetStd})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 6*6*3)
	if err := ev.Apply(img, nil, dst); err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 6; y++ {
		for x := 0; x < 6; x++ {
			px := rgbAt(img, x, y)
			for c := range 3 {
				want := (float64(px[c])/255 - float64(ImageNetMean[c])) / float64(ImageNetStd[c])
				if got := float64(dst[(y*6+x)*3+c]); math.Abs(got-want) > 1e-5 {
					t.Fatalf("(%d,%d,%d) = %v, want %v", x, y, c, got, want)
				}
			}
		}
	}
}

func TestParseInterpolation(t *testing.T) {
	for s, want := range map[string]Interpolation{"bilinear": Bilinear, "BICUBIC": Bicubic, "nearest": Nearest} {
		if got, err := ParseInterpolation(s); err != nil || got != want {
			t.Errorf("ParseInterpolation(%q) = %v, %v", s, got, err)
		}
		if got, _ := ParseInterpolation(want.String()); got != want {
			t.Errorf("round trip %v", want)
		}
	}
	if _, err := ParseInterpolation("lanczos"); err == nil {
		t.Error("lanczos accepted")
	}
}

// Both pass orders compute the same separable filter; for filters with
// non-negative weights (the ones allowed to reorder) only float rounding may
// differ. (Bicubic clips between passes, so its order matters; it keeps
// Pillow's, checked by TestAgainstPillow.)
func TestPassOrdersAgree(t *testing.T) {
	img := syntheticYCbCr(120, 90, 5)
	for _, c := range []struct {
		box  image.Rectangle
		w, h int
	}{
		{image.Rect(0, 0, 120, 90), 40, 30},
		{image.Rect(10, 5, 50, 25), 64, 64},
		{image.Rect(3, 7, 113, 88), 50, 20},
		{image.Rect(60, 0, 70, 90), 30, 7},
	} {
		for _, interp := range []Interpolation{Nearest, Bilinear} {
			ax, ay := cropAxes(c.box, c.w, c.h)
			run := func(f func(image.Image, axis, axis, *scratch, int, int, int, int, func(int, []float32))) []float32 {
				s := new(scratch)
				s.hc.compute(ax, interp)
				s.vc.compute(ay, interp)
				xa, xb := s.hc.span()
				ya, yb := s.vc.span()
				out := make([]float32, c.w*c.h*3)
				f(img, ax, ay, s, xa, xb, ya, yb, func(y int, row []float32) { copy(out[y*c.w*3:], row) })
				return out
			}
			a, b := run(resampleHV), run(resampleVH)
			for i := range a {
				if math.Abs(float64(a[i]-b[i])) > 1e-3 {
					t.Fatalf("%v %v→%dx%d: orders differ at %d: %v vs %v", interp, c.box, c.w, c.h, i, a[i], b[i])
				}
			}
		}
	}
}
