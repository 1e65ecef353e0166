package eval

import (
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func luminance(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)
}

// TestWriteConfusionPNG: the PNG decodes at HeatMapSize; on a perfect diagonal every
// diagonal cell is darker than every off-diagonal one; a half-right row has a mid-tone.
func TestWriteConfusionPNG(t *testing.T) {
	const n = 12
	conf := make([][]int, n)
	for i := range conf {
		conf[i] = make([]int, n)
		conf[i][i] = 5 + i
	}
	conf[3][3], conf[3][4] = 4, 4 // half of class 3 taken for class 4
	path := filepath.Join(t.TempDir(), "c.png")
	if err := WriteConfusionPNG(path, conf); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	w, h := HeatMapSize(n)
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("PNG is %v, want %d×%d", b, w, h)
	}
	centre := func(tr, p int) float64 {
		x, y := HeatMapCellOrigin(n, tr, p)
		return luminance(img, x+HeatMapCell(n)/2, y+HeatMapCell(n)/2)
	}
	for tr := range n {
		for p := range n {
			if tr == p || tr == 3 {
				continue
			}
			if d, o := centre(tr, tr), centre(tr, p); d >= o {
				t.Errorf("row %d: diagonal cell luminance %.0f not darker than cell %d's %.0f", tr, d, p, o)
			}
		}
	}
	full, half, empty := centre(0, 0), centre(3, 3), centre(0, 1)
	if !(full < half && half < empty) || centre(3, 4) != half {
		t.Errorf("luminance full %.0f, half %.0f (and %.0f), empty %.0f: want full < half < empty", full, half, centre(3, 4), empty)
	}
}

// TestWriteConfusionPNGTooManyClasses: more than MaxHeatMapClasses classes writes nothing.
func TestWriteConfusionPNGTooManyClasses(t *testing.T) {
	n := MaxHeatMapClasses + 1
	conf := make([][]int, n)
	for i := range conf {
		conf[i] = make([]int, n)
	}
	path := filepath.Join(t.TempDir(), "c.png")
	if err := WriteConfusionPNG(path, conf); !errors.Is(err, ErrTooManyClasses) {
		t.Fatalf("err = %v, want ErrTooManyClasses", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s exists (stat err %v)", path, err)
	}
}
