package imagenet

import (
	"fmt"
	"image"
	"image/color"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tfvision/tfvision/internal/testimages"
)

// nearestTransform resizes by nearest neighbour to h x w and scales to [0,1].
// With jitter it adds rng-drawn noise, so tests can see that every sample
// gets its own, reproducible random stream.
type nearestTransform struct {
	h, w   int
	jitter bool
}

func (t nearestTransform) Size() (int, int) { return t.h, t.w }

func (t nearestTransform) Apply(img image.Image, rng *rand.Rand, dst []float32) error {
	b := img.Bounds()
	if len(dst) != t.h*t.w*3 {
		return fmt.Errorf("dst len %d", len(dst))
	}
	off := float32(0)
	if t.jitter {
		off = rng.Float32()
	}
	for y := range t.h {
		for x := range t.w {
			r, g, bb, _ := img.At(b.Min.X+x*b.Dx()/t.w, b.Min.Y+y*b.Dy()/t.h).RGBA()
			i := (y*t.w + x) * 3
			dst[i], dst[i+1], dst[i+2] = float32(r>>8)/255+off, float32(g>>8)/255+off, float32(bb>>8)/255+off
		}
	}
	return nil
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

// indexColor gives sample k a distinct colour that survives JPEG, so batch
// contents can be traced back to files.
func indexColor(k int) color.RGBA {
	return color.RGBA{uint8(20 + 9*(k%24)), uint8(20 + 9*((k/24)%24)), 128, 255}
}

// backdate sets every mtime under root to one fixed past instant, so the
// listing cache does not treat the just-made tree as "racily" fresh, and
// repeated calls leave an unchanged tree with identical stamps.
func backdate(t *testing.T, root string) {
	t.Helper()
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// flatSplit builds n small JPEGs in dir (one colour each) labelled k%classes.
func flatSplit(t *testing.T, dir string, n, classes int) *Split {
	t.Helper()
	sp := &Split{Name: "train"}
	for k := range n {
		p := filepath.Join(dir, fmt.Sprintf("img%04d.jpg", k))
		writeFile(t, p, jpegBytes(t, solid(6, 5, indexColor(k))))
		sp.Samples = append(sp.Samples, Sample{Path: p, Label: k % classes})
	}
	return sp
}

func timeNowMinus(minutes int) time.Time {
	return time.Now().Add(-time.Duration(minutes) * time.Minute)
}

func writeBytes(p string, data []byte) error { return os.WriteFile(p, data, 0o644) }

// dirtyFiles writes one file of each kind found in real ImageNet copies and returns
// name → path, for the listing and loader tests. The CMYK JPEG is the decoder's fixture
// (decode/testdata; its tests check the colours).
func dirtyFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	cmyk, err := os.ReadFile("decode/testdata/cmyk_red.jpg") // Adobe CMYK (YCCK) JPEG made by ImageMagick
	if err != nil {
		t.Fatal(err)
	}
	return testimages.DirtyFiles(t, dir, map[string][]byte{"cmyk.JPEG": cmyk})
}

// The shared fixtures (internal/testimages).
var (
	writeFile  = testimages.WriteFile
	solid      = testimages.Solid
	jpegBytes  = testimages.JPEG
	pngBytes   = testimages.PNG
	photoLike  = testimages.PhotoLike
	smoothLike = testimages.SmoothLike
)
