package decode

import (
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/internal/hostile"
	"github.com/tfvision/tfvision/internal/testimages"
)

// dirtyFiles writes one file of each kind found in real ImageNet copies, the CMYK
// fixtures included, and returns name → path.
func dirtyFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	extra := map[string][]byte{}
	for name, fixture := range map[string]string{
		"cmyk.JPEG":      "testdata/cmyk_red.jpg",  // Adobe CMYK (YCCK) JPEG made by ImageMagick
		"cmyk_blue.JPEG": "testdata/cmyk_blue.jpg", // same, 1x1 chroma sampling
	} {
		data, err := os.ReadFile(fixture)
		if err != nil {
			t.Fatal(err)
		}
		extra[name] = data
	}
	return testimages.DirtyFiles(t, dir, extra)
}

// TestFileDirty: both decoders (libjpeg-turbo hands CMYK/YCCK and truncated files
// to image/jpeg) give the same colours and the same errors.
func TestFileDirty(t *testing.T) {
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
				img, err := decodeFile(files[c.name], Options{}, turbo)
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
	if _, err := File(filepath.Join(t.TempDir(), "missing.JPEG"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v; want ErrNotExist", err)
	}
}

// TestHeader: Header refuses what decoding refuses before allocating (the shard packer
// relies on it to skip files without decoding them) and reports format and size.
func TestHeader(t *testing.T) {
	png := pngBytes(t, solid(100, 50, color.RGBA{1, 2, 3, 255}))
	cfg, f, err := Header(png, 0)
	if err != nil || f != "png" || cfg.Width != 100 || cfg.Height != 50 {
		t.Errorf("png: %+v %q %v", cfg, f, err)
	}
	if _, f, err := Header(jpegBytes(t, solid(8, 8, color.RGBA{})), 0); err != nil || f != "jpeg" {
		t.Errorf("jpeg: %q %v", f, err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		max  int64
		want string
	}{
		{"empty", nil, 0, "empty file"},
		{"text", []byte("not an image"), 0, "unknown image format"},
		{"truncated", png[:20], 0, "truncated png"},
		{"hostile", hostile.PNG(60000, 60000), 0, "60000 × 60000"},
		{"over a lowered limit", png, 4999, "over the limit of 4999"},
	} {
		if _, _, err := Header(tc.data, tc.max); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one saying %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := Header(nil, 0); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v does not wrap ErrEmpty", err)
	}
	if _, _, err := Header(png, 4999); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit: %v does not wrap ErrTooLarge", err)
	}
}
