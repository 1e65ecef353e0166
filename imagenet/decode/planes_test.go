package decode

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// subsamplingJPEGs are the fixtures of testdata/gen_subsampling.sh: one picture in each
// chroma layout TurboJPEG names.
func subsamplingJPEGs(t *testing.T) map[string][]byte {
	m := map[string][]byte{}
	for _, s := range []string{"444", "422", "420", "440", "411"} {
		b, err := os.ReadFile(filepath.Join("testdata", "sub_"+s+".jpg"))
		if err != nil {
			t.Fatal(err)
		}
		m[s] = b
	}
	return m
}

// planeDiff compares the visible part of two planes (w × h samples).
func planeDiff(a []byte, as int, b []byte, bs int, w, h int) (worst int, mean float64) {
	sum := 0
	for y := range h {
		for x := range w {
			d := int(a[y*as+x]) - int(b[y*bs+x])
			d = max(d, -d)
			worst = max(worst, d)
			sum += d
		}
	}
	return worst, float64(sum) / float64(w*h)
}

// TestTurboPlanesMatchStdlib: libjpeg-turbo's planes (Options.YCbCr) have image/jpeg's
// layout (ratio, bounds, chroma sizes) and samples, to the ±1-per-stage IDCT rounding the
// two decoders differ by (measured: max 1, mean <= 0.025). A swapped or shifted plane, a
// wrong stride or a padding column read as a pixel moves samples by tens.
func TestTurboPlanesMatchStdlib(t *testing.T) {
	if err := turboLoaded(); err != nil {
		t.Skipf("libjpeg-turbo not available: %v (apt-get install libturbojpeg0)", err)
	}
	for name, data := range subsamplingJPEGs(t) {
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want := img.(*image.YCbCr)
		got, _, _, err := decodeScaled(data, Options{YCbCr: true}, true)
		if err != nil {
			t.Fatal(err)
		}
		g, ok := got.(*image.YCbCr)
		if !ok {
			t.Fatalf("%s: decoded to %T, want *image.YCbCr", name, got)
		}
		if g.SubsampleRatio != want.SubsampleRatio || g.Rect != want.Rect {
			t.Fatalf("%s: %v %v, image/jpeg gives %v %v", name, g.SubsampleRatio, g.Rect, want.SubsampleRatio, want.Rect)
		}
		// The chroma plane's visible size is image.YCbCr's, from the last pixel's sample.
		last := want.COffset(want.Rect.Max.X-1, want.Rect.Max.Y-1)
		cw, ch := last%want.CStride+1, last/want.CStride+1
		for _, p := range []struct {
			name       string
			a, b       []byte
			as, bs, pw int
			ph         int
		}{
			{"Y", g.Y, want.Y, g.YStride, want.YStride, g.Rect.Dx(), g.Rect.Dy()},
			{"Cb", g.Cb, want.Cb, g.CStride, want.CStride, cw, ch},
			{"Cr", g.Cr, want.Cr, g.CStride, want.CStride, cw, ch},
		} {
			worst, mean := planeDiff(p.a, p.as, p.b, p.bs, p.pw, p.ph)
			if worst > 2 || mean > 0.1 {
				t.Errorf("%s %s: max |diff| %d, mean %.3f against image/jpeg", name, p.name, worst, mean)
			}
		}
	}
}

// TestTurboPlanesScaled: at every reduced scale the planes agree with libjpeg-turbo's own
// RGB decode at that scale, so the scaled sizes, strides and padding are what it does
// itself. With chroma repeated (TJFLAG_FASTUPSAMPLE) the RGB decode is the planes'
// conversion to ±1 (measured max 1), except for 4:2:0 below full size: there libjpeg's
// RGB path runs the chroma IDCT at twice the scale instead of upsampling (jdmaster.c
// scales chroma up in the IDCT when the ratio allows), so only the luma can be compared
// pixel for pixel (measured max 0 on a smooth picture, where the RGB round trip does not
// clip), and the chroma samples against the mean of the 2×2 RGB pixels they cover
// (measured max 1). A swapped plane moves the mean by ~45, a luma plane off by one
// sample by 4–25 and its maximum by far more.
func TestTurboPlanesScaled(t *testing.T) {
	if err := turboLoaded(); err != nil {
		t.Skipf("libjpeg-turbo not available: %v (apt-get install libturbojpeg0)", err)
	}
	files := subsamplingJPEGs(t)
	files["420"] = jpegBytes(t, smoothLike(61, 45, 3))
	for name, data := range files {
		w, h, l, err := turboHeader(data)
		if err != nil || !l.ok {
			t.Fatalf("%s: header %v, layout %+v", name, err, l)
		}
		for _, n := range []int{8, 4, 2, 1} {
			t.Run(fmt.Sprintf("%s/%d_8", name, n), func(t *testing.T) {
				sw, sh := scaledDim(w, n), scaledDim(h, n)
				planes, err := turboDecodeYCbCr(data, sw, sh, l)
				if err != nil {
					t.Fatal(err)
				}
				want, err := turboDecode(data, sw, sh, true)
				if err != nil {
					t.Fatal(err)
				}
				if planes.Rect != want.Rect {
					t.Fatalf("bounds %v, RGB decode %v", planes.Rect, want.Rect)
				}
				if name != "420" || n == 8 {
					if d := maxDiff(toRGBA(planes), want); d > 1 {
						t.Errorf("max |diff| %d against libjpeg-turbo's RGB decode", d)
					}
					return
				}
				luma, chroma := lumaChromaDiff(planes, want)
				if luma > 1 || chroma > 2 {
					t.Errorf("max |diff| luma %d, chroma %.1f against libjpeg-turbo's RGB decode", luma, chroma)
				}
			})
		}
	}
}

// lumaChromaDiff compares 4:2:0 planes with an RGB image converted back to YCbCr: luma
// sample by sample, chroma against the mean of the 2×2 pixels each sample covers.
func lumaChromaDiff(p *image.YCbCr, rgb *image.RGBA) (luma int, chroma float64) {
	w, h := p.Rect.Dx(), p.Rect.Dy()
	for cy := 0; cy < (h+1)/2; cy++ {
		for cx := 0; cx < (w+1)/2; cx++ {
			var cb, cr float64
			k := 0
			for y := 2 * cy; y < min(2*cy+2, h); y++ {
				for x := 2 * cx; x < min(2*cx+2, w); x++ {
					c := rgb.RGBAAt(x, y)
					yy, b, r := color.RGBToYCbCr(c.R, c.G, c.B)
					d := int(yy) - int(p.Y[y*p.YStride+x])
					luma = max(luma, d, -d)
					cb += float64(b)
					cr += float64(r)
					k++
				}
			}
			i := cy*p.CStride + cx
			db := cb/float64(k) - float64(p.Cb[i])
			dr := cr/float64(k) - float64(p.Cr[i])
			chroma = max(chroma, db, -db, dr, -dr)
		}
	}
	return luma, chroma
}

// TestTurboPlanesOnlyForYCbCr: grayscale and CMYK JPEGs still decode to RGBA with
// Options.YCbCr (their planes are not YCbCr), as do PNGs.
func TestTurboPlanesOnlyForYCbCr(t *testing.T) {
	if err := turboLoaded(); err != nil {
		t.Skipf("libjpeg-turbo not available: %v (apt-get install libturbojpeg0)", err)
	}
	cmyk, err := os.ReadFile(filepath.Join("testdata", "cmyk_red.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(image.Rect(0, 0, 20, 10))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i)
	}
	for name, data := range map[string][]byte{"cmyk": cmyk, "gray": jpegBytes(t, gray), "png": pngBytes(t, gray)} {
		img, err := decodeBytes(data, Options{YCbCr: true}, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := img.(*image.RGBA); !ok {
			t.Errorf("%s: %T, want *image.RGBA", name, img)
		}
	}
}

// TestRecycledPlanesAreOverwritten: planes decoded into recycled memory (another image's
// pixels) equal planes decoded into fresh memory, and Recycle takes libjpeg-turbo's plane
// buffer back whole but leaves image/jpeg's planes alone.
func TestRecycledPlanesAreOverwritten(t *testing.T) {
	if err := turboLoaded(); err != nil {
		t.Skipf("libjpeg-turbo not available: %v (apt-get install libturbojpeg0)", err)
	}
	data := subsamplingJPEGs(t)["420"]
	decode := func() *image.YCbCr {
		img, err := decodeBytes(data, Options{YCbCr: true}, true)
		if err != nil {
			t.Fatal(err)
		}
		return img.(*image.YCbCr)
	}
	fresh := decode()
	if b := ycbcrBuffer(fresh); b == nil || cap(b) != len(fresh.Y)+len(fresh.Cb)+len(fresh.Cr) {
		t.Fatalf("libjpeg-turbo's planes are not one recyclable buffer")
	}
	std, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if ycbcrBuffer(std.(*image.YCbCr)) != nil {
		t.Fatalf("image/jpeg's planes were taken for one of ours")
	}
	for round := range 3 {
		junk := newRGBA(50, 40)
		for i := range junk.Pix {
			junk.Pix[i] = byte(i*31 + round)
		}
		Recycle(junk)
		got := decode()
		if !bytes.Equal(got.Y, fresh.Y) || !bytes.Equal(got.Cb, fresh.Cb) || !bytes.Equal(got.Cr, fresh.Cr) {
			t.Fatalf("round %d: planes decoded into recycled memory differ from fresh ones", round)
		}
		Recycle(got)
	}
}
