package testimages

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// WriteFile writes data to p, creating its directory.
func WriteFile(t testing.TB, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Solid is a w×h image of one opaque colour.
func Solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	return img
}

// JPEG encodes img at quality 95 (4:2:0, as image/jpeg always subsamples).
func JPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// PNG encodes img.
func PNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// PhotoLike makes a w×h image with smooth gradients and noise, so JPEG sizes and decode
// costs resemble real photos more than flat colour does.
func PhotoLike(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			n := uint8(rng.IntN(40))
			img.SetRGBA(x, y, color.RGBA{uint8(x*255/w) + n, uint8(y*255/h) + n, uint8((x+y)*127/(w+h)) + n, 255})
		}
	}
	return img
}

// SmoothLike is photo-like content without per-pixel noise (gradients, low-frequency
// waves, a few hard edges), on which a reduced decode stays close to a full one.
func SmoothLike(w, h int, seed uint64) *image.RGBA {
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

// DirtyFiles writes into dir the files real ImageNet copies contain besides clean RGB
// JPEGs — a PNG named .JPEG, a grayscale JPEG, a truncated one, an empty file, a text
// file — plus the given extra files (name → content, e.g. CMYK fixtures), and returns
// name → path.
func DirtyFiles(t testing.TB, dir string, extra map[string][]byte) map[string]string {
	t.Helper()
	gray := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range gray.Pix {
		gray.Pix[i] = 128
	}
	full := JPEG(t, Solid(32, 32, color.RGBA{10, 200, 30, 255}))
	files := map[string][]byte{
		"rgb.JPEG":       JPEG(t, Solid(8, 8, color.RGBA{200, 40, 90, 255})),
		"png_named.JPEG": PNG(t, Solid(8, 8, color.RGBA{0, 0, 255, 255})),
		"gray.JPEG":      JPEG(t, gray),
		"truncated.JPEG": full[:len(full)/2],
		"empty.JPEG":     {},
		"text.JPEG":      []byte("not an image at all\n"),
	}
	for name, b := range extra {
		files[name] = b
	}
	out := map[string]string{}
	for name, b := range files {
		p := filepath.Join(dir, name)
		WriteFile(t, p, b)
		out[name] = p
	}
	return out
}
