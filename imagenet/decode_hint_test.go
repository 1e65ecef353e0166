package imagenet

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/imagenet/internal/fastjpeg"
)

// benchJPEGs returns the JPEGs in $TFVISION_JPEG_DIR (e.g. real photos cut
// to 500x375, quality 90, 4:2:0), or else 8 synthetic photoLike ones.
func benchJPEGs(t testing.TB) [][]byte {
	if dir := os.Getenv("TFVISION_JPEG_DIR"); dir != "" {
		names, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
		sort.Strings(names)
		var out [][]byte
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		if len(out) > 0 {
			return out
		}
	}
	var out [][]byte
	for k := range 8 {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, photoLike(500, 375, uint64(k+1)), &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		out = append(out, buf.Bytes())
	}
	return out
}

// smoothLike is photo-like content without per-pixel noise: gradients, low
// frequency waves and a few hard edges (a box downscale is a fair reference
// for it; for white noise or fine texture a DCT-domain reduction, which
// keeps more detail than a box filter, legitimately differs from it).
func smoothLike(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	f := float64(seed)
	for y := range h {
		for x := range w {
			v := 60 + 50*math.Sin(float64(x)/17+f) + 40*math.Cos(float64(y)/23-f)
			edge := 0.0
			if (x/61+y/47)%2 == 0 {
				edge = 40
			}
			img.SetRGBA(x, y, color.RGBA{uint8(v + edge), uint8(float64(x*200/w) + edge/2), uint8(float64(y*200/h) + v/4), 255})
		}
	}
	return img
}

// testJPEGs covers 4:2:0 (Go's encoder), 4:4:4/4:2:2 via a YCbCr source,
// grayscale and odd sizes, plus the benchmark files.
func testJPEGs(t testing.TB) map[string][]byte {
	m := map[string][]byte{}
	if os.Getenv("TFVISION_JPEG_DIR") != "" {
		for i, b := range benchJPEGs(t) {
			m[fmt.Sprintf("photo%02d", i)] = b
		}
	}
	enc := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	m["odd-333x211"] = enc(smoothLike(333, 211, 7))
	m["500x375"] = enc(smoothLike(500, 375, 2))
	for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420} {
		src := smoothLike(203, 149, 3)
		y := image.NewYCbCr(src.Bounds(), r)
		for py := range 149 {
			for px := range 203 {
				c := src.RGBAAt(px, py)
				yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
				y.Y[y.YOffset(px, py)] = yy
				y.Cb[y.COffset(px, py)], y.Cr[y.COffset(px, py)] = cb, cr
			}
		}
		m[fmt.Sprintf("ycbcr-%v", r)] = enc(y)
	}
	g := image.NewGray(image.Rect(0, 0, 150, 97))
	for i := range g.Pix {
		g.Pix[i] = uint8(100 + 80*math.Sin(float64(i%150)/9)*math.Cos(float64(i/150)/7))
	}
	m["gray"] = enc(g)
	return m
}

// TestFastJPEGFullMatchesStdlib: at n = 8 the copied decoder is image/jpeg.
func TestFastJPEGFullMatchesStdlib(t *testing.T) {
	for name, data := range testJPEGs(t) {
		want, err := decodeBytes(data)
		if err != nil {
			t.Fatal(name, err)
		}
		img, err := fastjpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(name, err)
		}
		got := toRGBA(img)
		if !bytes.Equal(got.Pix, want.(*image.RGBA).Pix) || got.Rect != want.Bounds() {
			t.Errorf("%s: fastjpeg full decode differs from image/jpeg", name)
		}
		// So is DecodeBytesHint when no reduction keeps the hint (pure Go:
		// bit-identical; libjpeg-turbo: within rounding and its "fancy"
		// triangular chroma upsampling, which image/jpeg lacks).
		h, err := DecodeBytesHint(data, 100000, 1)
		if err != nil {
			t.Fatal(name, err)
		}
		if decoderName == "pure-go" {
			if !bytes.Equal(h.(*image.RGBA).Pix, want.(*image.RGBA).Pix) {
				t.Errorf("%s: DecodeBytesHint with an unreachable hint differs from full decode", name)
			}
		} else if mae, psnr := diff(h.(*image.RGBA), want.(*image.RGBA)); h.Bounds() != want.Bounds() || mae > 1.5 || psnr < 35 {
			t.Errorf("%s: %s full decode vs image/jpeg: %v MAE %.2f PSNR %.1f dB", name, decoderName, h.Bounds(), mae, psnr)
		} else if testing.Verbose() {
			t.Logf("%s: %s full decode vs image/jpeg: MAE %.2f PSNR %.1f dB", name, decoderName, mae, psnr)
		}
	}
}

// boxDown averages the full-size image over the source pixels that each
// output pixel of an n/8 decode covers (the exact area-average reference).
func boxDown(src *image.RGBA, ow, oh int) *image.RGBA {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range oh {
		y0, y1 := y*sh/oh, max((y+1)*sh/oh, y*sh/oh+1)
		for x := range ow {
			x0, x1 := x*sw/ow, max((x+1)*sw/ow, x*sw/ow+1)
			var s [3]int
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					o := src.PixOffset(xx, yy)
					s[0] += int(src.Pix[o])
					s[1] += int(src.Pix[o+1])
					s[2] += int(src.Pix[o+2])
				}
			}
			n := (y1 - y0) * (x1 - x0)
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8((s[0]+n/2)/n), uint8((s[1]+n/2)/n), uint8((s[2]+n/2)/n), 255
		}
	}
	return dst
}

// diff returns the mean absolute difference per channel and the PSNR (dB).
func diff(a, b *image.RGBA) (mae, psnr float64) {
	var sum, sq float64
	var n int
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		sum += math.Abs(d)
		sq += d * d
		n++
	}
	return sum / float64(n), 10 * math.Log10(255*255/(sq/float64(n)))
}

// TestDecodeScaledMatchesBoxDownscale checks every reduced scale against an
// area-averaged downscale of the full decode. A DCT-domain reduction is not a
// box filter (it keeps a little more detail, libjpeg's scaled IDCTs behave
// the same), so the bound is on the mean error and PSNR, and is tight enough
// to catch misplaced blocks, wrong levels or swapped planes (those give MAE
// in the tens and PSNR < 20 dB).
func TestDecodeScaledMatchesBoxDownscale(t *testing.T) {
	for name, data := range testJPEGs(t) {
		full, err := decodeBytes(data)
		if err != nil {
			t.Fatal(err)
		}
		fw, fh := full.Bounds().Dx(), full.Bounds().Dy()
		for n := 1; n < 8; n++ {
			img, err := fastjpeg.DecodeScaled(bytes.NewReader(data), n)
			if err != nil {
				t.Fatal(name, n, err)
			}
			got := toRGBA(img)
			ow, oh := (fw*n+7)/8, (fh*n+7)/8
			if got.Bounds() != image.Rect(0, 0, ow, oh) {
				t.Fatalf("%s n=%d: bounds %v, want %dx%d", name, n, got.Bounds(), ow, oh)
			}
			mae, psnr := diff(got, boxDown(full.(*image.RGBA), ow, oh))
			// Smooth synthetic content must match closely. Real photos
			// with fine texture (set TFVISION_JPEG_DIR) legitimately differ
			// more (the DCT reduction is sharper than a box filter); their
			// bound still catches misplaced blocks, level or plane errors.
			// Measured: MAE 3-5 for n >= 3, up to 16 at n = 1 on 19x13.
			maxMAE, minPSNR := 6.0, 26.0
			if n <= 3 {
				maxMAE, minPSNR = 17.0, 21.0
			}
			if strings.HasPrefix(name, "photo") {
				maxMAE, minPSNR = 25.0, 16.0
			}
			if mae > maxMAE || psnr < minPSNR {
				t.Errorf("%s n=%d: vs box downscale MAE %.2f PSNR %.1f dB", name, n, mae, psnr)
			}
			if testing.Verbose() && !strings.HasPrefix(name, "photo") {
				t.Logf("%s n=%d (%dx%d): MAE %.2f PSNR %.1f dB", name, n, ow, oh, mae, psnr)
			}
		}
	}
}

func TestDecodeFileHint(t *testing.T) {
	dir := t.TempDir()
	data := testJPEGs(t)["odd-333x211"]
	p := filepath.Join(dir, "a.JPEG")
	writeFile(t, p, data)
	if w, h, ok := JPEGSize(data); !ok || w != 333 || h != 211 {
		t.Fatalf("JPEGSize = %d %d %v", w, h, ok)
	}
	full, err := DecodeFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ minW, minH, w, h int }{
		{0, 0, 333, 211},     // no hint: full
		{224, 224, 333, 211}, // 211 < 224: full
		{150, 100, 167, 106}, // n=4
		{160, 100, 167, 106}, // n=4 (333*4/8 = 166.5 -> 167)
		{168, 100, 333, 211}, // n=5 would do, but only 1, 2, 4, 8 are used
		{1, 1, 42, 27},       // n=1
	} {
		img, err := DecodeFileHint(p, tc.minW, tc.minH)
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		if b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("hint %dx%d: got %v, want %dx%d", tc.minW, tc.minH, b, tc.w, tc.h)
		}
		if sw, sh := ScaledJPEGSize(333, 211, tc.minW, tc.minH); tc.minW > 0 && (sw != tc.w || sh != tc.h) {
			t.Errorf("ScaledJPEGSize(%d,%d) = %d,%d", tc.minW, tc.minH, sw, sh)
		}
		if _, ok := img.(*image.RGBA); !ok {
			t.Errorf("got %T", img)
		}
		if b.Dx() == 333 && decoderName == "pure-go" && !bytes.Equal(img.(*image.RGBA).Pix, full.(*image.RGBA).Pix) {
			t.Errorf("hint %dx%d: full-size result differs from DecodeFile", tc.minW, tc.minH)
		}
	}
	// Non-JPEG and broken files behave as DecodeFile.
	png := filepath.Join(dir, "b.JPEG")
	writeFile(t, png, pngBytes(t, solid(5, 4, color.RGBA{1, 2, 3, 255})))
	if img, err := DecodeFileHint(png, 2, 2); err != nil || img.Bounds().Dx() != 5 {
		t.Errorf("png: %v %v", img, err)
	}
	trunc := filepath.Join(dir, "c.JPEG")
	writeFile(t, trunc, data[:len(data)/2])
	if _, err := DecodeFileHint(trunc, 100, 100); err == nil {
		t.Error("truncated file decoded")
	}
	empty := filepath.Join(dir, "d.JPEG")
	writeFile(t, empty, nil)
	if _, err := DecodeFileHint(empty, 100, 100); err == nil {
		t.Error("empty file decoded")
	}
}

func benchDecode(b *testing.B, files [][]byte, f func([]byte) (image.Image, error)) {
	var bytesN int64
	for _, d := range files {
		bytesN += int64(len(d))
	}
	b.SetBytes(bytesN / int64(len(files)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := f(files[i%len(files)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkDecodeScaled decodes the benchmark JPEGs (set TFVISION_JPEG_DIR
// for real photos) to *image.RGBA, one core:
//
//	stdlib        image/jpeg + toRGBA (DecodeFile's path)
//	fastjpeg-full the copied decoder at full size
//	hint=WxH      DecodeBytesHint (the build's decoder: pure Go, or turbojpeg)
//	n=K           pure-Go n/8 decode
func BenchmarkDecodeScaled(b *testing.B) {
	files := benchJPEGs(b)
	b.Run("stdlib", func(b *testing.B) { benchDecode(b, files, decodeBytes) })
	b.Run("fastjpeg-full", func(b *testing.B) {
		benchDecode(b, files, func(d []byte) (image.Image, error) {
			img, err := fastjpeg.Decode(bytes.NewReader(d))
			if err != nil {
				return nil, err
			}
			return toRGBA(img), nil
		})
	})
	for _, n := range []int{6, 5, 4, 2, 1} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			benchDecode(b, files, func(d []byte) (image.Image, error) {
				img, err := fastjpeg.DecodeScaled(bytes.NewReader(d), n)
				if err != nil {
					return nil, err
				}
				return toRGBA(img), nil
			})
		})
	}
	for _, hint := range [][2]int{{1 << 20, 1 << 20}, {256, 256}, {224, 224}, {112, 112}} {
		b.Run(fmt.Sprintf("%s/hint=%dx%d", decoderName, hint[0], hint[1]), func(b *testing.B) {
			benchDecode(b, files, func(d []byte) (image.Image, error) { return DecodeBytesHint(d, hint[0], hint[1]) })
		})
	}
}
