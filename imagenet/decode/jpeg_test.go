package decode

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/internal/hostile"
	"github.com/tfvision/tfvision/internal/testimages"
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

var smoothLike = testimages.SmoothLike

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

// forDecoders runs f once with image/jpeg ("std") and once with libjpeg-turbo ("turbo"),
// whatever TFVISION_JPEG says; the turbo case is skipped, saying why, only when the
// library cannot be loaded (no libturbojpeg0, or a CGO_ENABLED=0 build).
func forDecoders(t *testing.T, f func(t *testing.T, turbo bool)) {
	t.Helper()
	for _, d := range []struct {
		name  string
		turbo bool
	}{{"std", false}, {"turbo", true}} {
		t.Run(d.name, func(t *testing.T) {
			if d.turbo {
				if err := turboLoaded(); err != nil {
					t.Skipf("libjpeg-turbo not available, its decoder is untested here: %v (apt-get install libturbojpeg0)", err)
				}
			}
			f(t, d.turbo)
		})
	}
}

// stdDecode is the reference: image/jpeg (or png/gif) + toRGBA, no limit, no turbo.
func stdDecode(t testing.TB, data []byte) *image.RGBA {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return toRGBA(img)
}

// maxDiff is the largest absolute difference over the colour channels.
func maxDiff(a, b *image.RGBA) int {
	m := 0
	for i := range a.Pix {
		if i%4 != 3 {
			d := int(a.Pix[i]) - int(b.Pix[i])
			m = max(m, d, -d)
		}
	}
	return m
}

// TestJPEGDecodersMatchStdlib: a full-size decode through the standard-library path is
// image/jpeg exactly. libjpeg-turbo differs from image/jpeg by design in two ways:
//   - its integer IDCT and YCbCr→RGB rounding differ from Go's by ±1 per stage: with
//     chroma samples repeated as image/jpeg does (TJFLAG_FASTUPSAMPLE), every pixel must
//     agree to ±3 and the mean to 0.5 (measured: max 3, mean 0.16–0.18; grey max 1);
//   - decoding proper uses libjpeg's default "fancy" chroma upsampling (a triangle
//     filter, what PIL and so torchvision get) where image/jpeg repeats each chroma
//     sample. On 4:2:0 files (all of image/jpeg's colour output) that moves pixels at
//     hard colour edges by up to ~100 and the mean by ~1.3 (measured 1.21–1.41, PSNR
//     35.6–37.9 dB); bound: mean <= 2.5, PSNR >= 32 dB. A misplaced block, swapped
//     plane or wrong level gives means in the tens and PSNR < 20 dB.
func TestJPEGDecodersMatchStdlib(t *testing.T) {
	forDecoders(t, func(t *testing.T, turbo bool) {
		for _, name := range sortedKeys(testJPEGs(t)) {
			data := testJPEGs(t)[name]
			want := stdDecode(t, data)
			img, err := decodeBytes(data, Options{}, turbo)
			if err != nil {
				t.Fatal(name, err)
			}
			got, ok := img.(*image.RGBA)
			if !ok || got.Bounds() != want.Bounds() {
				t.Fatalf("%s: %T %v, want *image.RGBA %v", name, img, img.Bounds(), want.Bounds())
			}
			if !turbo {
				if !bytes.Equal(got.Pix, want.Pix) {
					t.Errorf("%s: std decode differs from image/jpeg", name)
				}
				continue
			}
			mae, psnr := diff(got, want)
			maxMAE, minPSNR := 2.5, 32.0
			if strings.HasPrefix(name, "photo") { // real photos (TFVISION_JPEG_DIR): more colour edges
				maxMAE, minPSNR = 4, 28
			}
			if mae > maxMAE || psnr < minPSNR {
				t.Errorf("%s: libjpeg-turbo vs image/jpeg: MAE %.2f (max %.1f), PSNR %.1f dB (min %.0f)", name, mae, maxMAE, psnr, minPSNR)
			}
			fast, err := turboDecode(data, want.Bounds().Dx(), want.Bounds().Dy(), true)
			if err != nil {
				t.Fatal(name, err)
			}
			fmae, _ := diff(fast, want)
			if mx := maxDiff(fast, want); mx > 3 || fmae > 0.5 {
				t.Errorf("%s: libjpeg-turbo (chroma repeated) vs image/jpeg: max abs %d (max 3), MAE %.2f (max 0.5)", name, mx, fmae)
			}
			t.Logf("%s: libjpeg-turbo vs image/jpeg: MAE %.2f, PSNR %.1f dB; chroma repeated: MAE %.2f, max abs %d", name, mae, psnr, fmae, maxDiff(fast, want))
		}
	})
}

func sortedKeys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestTurboScaledMatchesBoxDownscale checks libjpeg-turbo's 1/2, 1/4 and 1/8 decodes
// against an area-averaged downscale of the full image/jpeg decode. A DCT-domain
// reduction is not a box filter (it keeps a little more detail), so the bound is on the
// mean error and PSNR, tight enough to catch misplaced blocks, wrong levels or swapped
// planes (those give MAE in the tens and PSNR < 20 dB).
func TestTurboScaledMatchesBoxDownscale(t *testing.T) {
	if err := turboLoaded(); err != nil {
		t.Skipf("libjpeg-turbo not available, its scaled decoding is untested here: %v (apt-get install libturbojpeg0)", err)
	}
	for _, name := range sortedKeys(testJPEGs(t)) {
		data := testJPEGs(t)[name]
		full := stdDecode(t, data)
		fw, fh := full.Bounds().Dx(), full.Bounds().Dy()
		for _, n := range []int{1, 2, 4} {
			ow, oh := scaledDim(fw, n), scaledDim(fh, n)
			got, err := turboDecode(data, ow, oh, false)
			if err != nil {
				t.Fatal(name, n, err)
			}
			mae, psnr := diff(got, boxDown(full, ow, oh))
			// Smooth synthetic content must match closely at 1/2. At 1/4 and 1/8 the
			// outputs are tiny (19x13 for the grey file, whose waves have a 9-pixel
			// period: measured MAE 16 and 11 there, 3-6 elsewhere), and real photos
			// with fine texture (TFVISION_JPEG_DIR) differ more.
			maxMAE, minPSNR := 6.0, 26.0
			if n <= 2 {
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

// TestDecodeHintSizes: libjpeg-turbo picks the smallest of 1/8, 1/4, 1/2 that covers
// the hint (rounding up like TJSCALED); image/jpeg always decodes at full size. PNG and
// broken files behave as File.
func TestDecodeHintSizes(t *testing.T) {
	dir := t.TempDir()
	data := testJPEGs(t)["odd-333x211"]
	p := filepath.Join(dir, "a.JPEG")
	writeFile(t, p, data)
	forDecoders(t, func(t *testing.T, turbo bool) {
		for _, tc := range []struct{ minW, minH, w, h int }{
			{0, 0, 333, 211},     // no hint: full
			{224, 224, 333, 211}, // 211 < 224: full
			{150, 100, 167, 106}, // 1/2
			{160, 100, 167, 106}, // 1/2 (333/2 = 166.5 -> 167)
			{168, 100, 333, 211}, // 5/8 would do, but only 1/8, 1/4, 1/2 are used
			{80, 50, 84, 53},     // 1/4
			{1, 1, 42, 27},       // 1/8
		} {
			img, err := decodeFile(p, Options{MinW: tc.minW, MinH: tc.minH}, turbo)
			if err != nil {
				t.Fatal(err)
			}
			w, h := tc.w, tc.h
			if !turbo {
				w, h = 333, 211
			}
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Errorf("hint %dx%d: got %v, want %dx%d", tc.minW, tc.minH, b, w, h)
			}
			if _, ok := img.(*image.RGBA); !ok {
				t.Errorf("got %T", img)
			}
		}
		png := filepath.Join(dir, "b.JPEG")
		writeFile(t, png, pngBytes(t, solid(5, 4, color.RGBA{1, 2, 3, 255})))
		if img, err := decodeFile(png, Options{MinW: 2, MinH: 2}, turbo); err != nil || img.Bounds().Dx() != 5 {
			t.Errorf("png: %v %v", img, err)
		}
		trunc := filepath.Join(dir, "c.JPEG")
		writeFile(t, trunc, data[:len(data)/2])
		if _, err := decodeFile(trunc, Options{MinW: 100, MinH: 100}, turbo); err == nil {
			t.Errorf("truncated file: err = %v", err)
		}
		empty := filepath.Join(dir, "d.JPEG")
		writeFile(t, empty, nil)
		if _, err := decodeFile(empty, Options{MinW: 100, MinH: 100}, turbo); !errors.Is(err, ErrEmpty) {
			t.Errorf("empty file: err = %v", err)
		}
	})
}

// TestHostileHeadersRefused (issue 13 item 1): files of a few hundred bytes whose
// headers claim 60000 × 60000 are refused from the header, as a per-file error wrapping
// ErrTooLarge, without allocating for the claimed size (before, the PNG made image/png
// allocate 14.4 GB and the progressive JPEG image/jpeg ~5 GB). The limit is inclusive
// and configurable.
func TestHostileHeadersRefused(t *testing.T) {
	files := map[string][]byte{
		"png-60000":              hostile.PNG(60000, 60000),
		"progressive-jpeg-60000": hostile.ProgressiveJPEG(60000, 60000),
		"png-20000":              hostile.PNG(20000, 20000), // 400 M pixels: over the default too
	}
	forDecoders(t, func(t *testing.T, turbo bool) {
		for _, name := range sortedKeys(files) {
			data := files[name]
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := decodeBytes(data, Options{}, turbo)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "data.max_pixels") {
				t.Errorf("%s (%d bytes): err = %v; want ErrTooLarge naming data.max_pixels", name, len(data), err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("%s: %d bytes allocated to refuse it", name, n)
			}
		}
		// The limit is width × height, inclusive, and per call.
		png := pngBytes(t, solid(100, 50, color.RGBA{1, 2, 3, 255}))
		jpg := jpegBytes(t, solid(100, 50, color.RGBA{1, 2, 3, 255}))
		for _, data := range [][]byte{png, jpg} {
			if _, err := decodeBytes(data, Options{MaxPixels: 4999}, turbo); !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s at limit 4999: err = %v", sniff(data), err)
			}
			if _, err := decodeBytes(data, Options{MaxPixels: 5000}, turbo); err != nil {
				t.Errorf("%s at limit 5000: %v", sniff(data), err)
			}
		}
	})
}

// TestTurboHandleAfterError: after libjpeg-turbo refused a file (a header cut inside its
// Huffman tables, CMYK to RGBA, truncated data) the next good files still decode through
// libjpeg-turbo. Reusing the handle of a failed header read made the next header read
// on it fail too ("Bogus Huffman table definition"), so good files fell back to
// image/jpeg (slightly different pixels) depending on which worker held that handle:
// the loader's batches then differed between worker counts.
func TestTurboHandleAfterError(t *testing.T) {
	if err := turboLoaded(); err != nil {
		t.Skipf("libjpeg-turbo not available: %v (apt-get install libturbojpeg0)", err)
	}
	cmyk, err := os.ReadFile("testdata/cmyk_red.jpg")
	if err != nil {
		t.Fatal(err)
	}
	full := jpegBytes(t, solid(32, 32, color.RGBA{10, 200, 30, 255}))
	good := jpegBytes(t, solid(6, 5, color.RGBA{200, 40, 90, 255}))
	big := testJPEGs(t)["500x375"]
	for _, bad := range []struct {
		name   string
		data   []byte
		header bool // the header read fails (else the decode)
	}{{"cut-in-DHT", full[:len(full)/2], true}, {"cmyk", cmyk, false}, {"truncated", big[:len(big)*3/4], false}} {
		if _, _, _, err := turboHeader(bad.data); (err != nil) != bad.header {
			t.Fatalf("%s: header error %v", bad.name, err)
		}
		if !bad.header { // as decodeBytes: no decode after a failed header
			if _, err := turboDecode(bad.data, 32, 32, false); err == nil {
				t.Fatalf("%s: libjpeg-turbo decoded it without error", bad.name)
			}
		}
		for i := range 3 {
			if _, _, _, err := turboHeader(good); err != nil {
				t.Fatalf("%s, then good file #%d: header: %v", bad.name, i, err)
			}
			if _, err := turboDecode(good, 6, 5, false); err != nil {
				t.Fatalf("%s, then good file #%d: %v", bad.name, i, err)
			}
		}
	}
}

// TestSelectJPEG: TFVISION_JPEG=std forces the standard library; otherwise libjpeg-turbo
// is used when it loads, and the description says why when it does not.
func TestSelectJPEG(t *testing.T) {
	ok := func() error { return nil }
	missing := func() error { return errors.New("libturbojpeg.so.0: cannot open shared object file") }
	for _, tc := range []struct {
		env   string
		load  func() error
		turbo bool
		desc  string
	}{
		{"", ok, true, "libjpeg-turbo (libturbojpeg.so.0, loaded at run time)"},
		{"auto", ok, true, "libjpeg-turbo"},
		{"std", ok, false, "image/jpeg (standard library; TFVISION_JPEG=std)"},
		{"", missing, false, "image/jpeg (standard library; libjpeg-turbo not loaded: libturbojpeg.so.0: cannot open"},
		{"turbo!", ok, false, "neither std nor auto"},
	} {
		c := selectJPEG(tc.env, tc.load)
		if c.turbo != tc.turbo || !strings.Contains(c.desc, tc.desc) {
			t.Errorf("env %q: %+v; want turbo %v, %q", tc.env, c, tc.turbo, tc.desc)
		}
	}
	t.Logf("this process: %s", JPEGDecoder())
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
//	std/hint=WxH    image/jpeg + toRGBA (always full size)
//	turbo/hint=WxH  libjpeg-turbo, at the smallest 1/8, 1/4, 1/2 covering the hint
func BenchmarkDecodeScaled(b *testing.B) {
	files := benchJPEGs(b)
	for _, turbo := range []bool{false, true} {
		name := "std"
		if turbo {
			if err := turboLoaded(); err != nil {
				b.Log("libjpeg-turbo not available:", err)
				continue
			}
			name = "turbo"
		}
		for _, hint := range [][2]int{{0, 0}, {256, 256}, {224, 224}, {112, 112}} {
			b.Run(fmt.Sprintf("%s/hint=%dx%d", name, hint[0], hint[1]), func(b *testing.B) {
				benchDecode(b, files, func(d []byte) (image.Image, error) {
					return decodeBytes(d, Options{MinW: hint[0], MinH: hint[1]}, turbo)
				})
			})
		}
	}
}

// BenchmarkDecode decodes a typical ImageNet-sized (500x375) JPEG to RGBA with the
// decoder this process selected.
func BenchmarkDecode(b *testing.B) {
	data := jpegBytes(b, photoLike(500, 375, 1))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Bytes(data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// TestRecycledPixelsAreOverwritten: a decode into recycled memory (full of another
// image's pixels) gives exactly what a decode into fresh memory gives, alpha included.
func TestRecycledPixelsAreOverwritten(t *testing.T) {
	if err := turboLoaded(); err != nil {
		t.Skipf("libjpeg-turbo not available: %v (apt-get install libturbojpeg0)", err)
	}
	photo := testJPEGs(t)["500x375"]
	fresh, err := turboDecode(photo, 500, 375, false)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte(nil), fresh.Pix...)
	for round := range 3 {
		junk := newRGBA(600, 400) // larger: its memory must serve the 500×375 decode
		for i := range junk.Pix {
			junk.Pix[i] = byte(i*31 + round)
		}
		Recycle(junk)
		got, err := turboDecode(photo, 500, 375, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Pix) != len(want) || got.Stride != 4*500 {
			t.Fatalf("round %d: %d bytes, stride %d", round, len(got.Pix), got.Stride)
		}
		for i := range want {
			if got.Pix[i] != want[i] {
				t.Fatalf("round %d: byte %d is %d, a fresh decode gives %d", round, i, got.Pix[i], want[i])
			}
		}
		Recycle(got)
	}
}

// TestRecycledPixelsStdPaths: the standard-library paths (JPEG via YCbCr, PNG with
// transparency via draw) also overwrite every byte of recycled memory.
func TestRecycledPixelsStdPaths(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{{"jpeg", jpegBytes(t, src)}, {"png-alpha", pngBytes(t, src)}} {
		fresh, _, _, err := decodeScaled(c.data, Options{}, false)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]byte(nil), fresh.(*image.RGBA).Pix...)
		junk := newRGBA(50, 40)
		for i := range junk.Pix {
			junk.Pix[i] = 0xA5
		}
		Recycle(junk)
		got, _, _, err := decodeScaled(c.data, Options{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.(*image.RGBA).Pix, want) {
			t.Errorf("%s: a decode into recycled memory differs from a fresh one", c.name)
		}
	}
}
