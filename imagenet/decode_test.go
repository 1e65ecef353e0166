package imagenet

import (
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dirtyFiles writes one file of each kind found in real ImageNet copies and
// returns name → path.
func dirtyFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	cmyk, err := os.ReadFile("testdata/cmyk_red.jpg") // Adobe CMYK (YCCK) JPEG made by ImageMagick
	if err != nil {
		t.Fatal(err)
	}
	cmykBlue, err := os.ReadFile("testdata/cmyk_blue.jpg") // same, 1x1 chroma sampling
	if err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range gray.Pix {
		gray.Pix[i] = 128
	}
	full := jpegBytes(t, solid(32, 32, color.RGBA{10, 200, 30, 255}))
	files := map[string][]byte{
		"rgb.JPEG":       jpegBytes(t, solid(8, 8, color.RGBA{200, 40, 90, 255})),
		"png_named.JPEG": pngBytes(t, solid(8, 8, color.RGBA{0, 0, 255, 255})),
		"cmyk.JPEG":      cmyk,
		"cmyk_blue.JPEG": cmykBlue,
		"gray.JPEG":      jpegBytes(t, gray),
		"truncated.JPEG": full[:len(full)/2],
		"empty.JPEG":     {},
		"text.JPEG":      []byte("not an image at all\n"),
	}
	out := map[string]string{}
	for name, b := range files {
		p := filepath.Join(dir, name)
		writeFile(t, p, b)
		out[name] = p
	}
	return out
}

// TestDecodeFileDirty: both decoders (libjpeg-turbo hands CMYK/YCCK and truncated files
// to image/jpeg) give the same colours and the same errors.
func TestDecodeFileDirty(t *testing.T) {
	files := dirtyFiles(t, t.TempDir())
	cases := []struct {
		name    string
		want    [3]uint8
		tol     int
		wantErr string
	}{
		{"rgb.JPEG", [3]uint8{200, 40, 90}, 4, ""},
		{"png_named.JPEG", [3]uint8{0, 0, 255}, 0, ""},
		{"cmyk.JPEG", [3]uint8{255, 0, 0}, 6, ""},
		{"cmyk_blue.JPEG", [3]uint8{0, 0, 255}, 6, ""},
		{"gray.JPEG", [3]uint8{128, 128, 128}, 1, ""},
		{"truncated.JPEG", [3]uint8{}, 0, "truncated"},
		{"empty.JPEG", [3]uint8{}, 0, "empty file"},
		{"text.JPEG", [3]uint8{}, 0, "unknown image format"},
	}
	forDecoders(t, func(t *testing.T, turbo bool) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				img, err := decodeFile(files[c.name], DecodeOptions{}, turbo)
				if c.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), files[c.name]) {
						t.Fatalf("err = %v; want one naming the file and saying %q", err, c.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				rgba, ok := img.(*image.RGBA)
				if !ok {
					t.Fatalf("got %T; want *image.RGBA", img)
				}
				if rgba.Bounds() != image.Rect(0, 0, 8, 8) {
					t.Fatalf("bounds %v", rgba.Bounds())
				}
				for _, pt := range []image.Point{{0, 0}, {4, 4}, {7, 7}} {
					px := rgba.RGBAAt(pt.X, pt.Y)
					got := [3]uint8{px.R, px.G, px.B}
					for k := range 3 {
						if d := int(got[k]) - int(c.want[k]); d > c.tol || -d > c.tol || px.A != 255 {
							t.Fatalf("pixel %v = %v (A %d); want %v ± %d", pt, got, px.A, c.want, c.tol)
						}
					}
				}
			})
		}
	})
	if _, err := DecodeFile(filepath.Join(t.TempDir(), "missing.JPEG")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v; want ErrNotExist", err)
	}
}
