package datagen

import (
	"image"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/imagenet/decode"
)

func TestExportMNIST(t *testing.T) {
	idx, err := LocateMNIST()
	if err != nil {
		t.Skipf("GoMNIST data not available: %v", err)
	}
	out := t.TempDir()
	train, val, err := ExportMNIST(idx, out, 60, 25)
	if err != nil {
		t.Fatal(err)
	}
	if train != 60 || val != 25 {
		t.Fatalf("exported %d/%d; want 60/25", train, val)
	}
	first := filepath.Join(out, "train", "5", "00000.png") // MNIST's first training digit is a 5
	fi, err := os.Stat(first)
	if err != nil {
		t.Fatal(err)
	}
	// Idempotent: a rerun keeps existing files untouched.
	if train, val, err = ExportMNIST(idx, out, 60, 25); err != nil || train != 60 || val != 25 {
		t.Fatalf("rerun: %d %d %v", train, val, err)
	}
	if fi2, _ := os.Stat(first); !fi2.ModTime().Equal(fi.ModTime()) {
		t.Error("rerun rewrote an existing file")
	}
	d, err := imagenet.Open(out, imagenet.Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	// Folders 0..9: the "numbered" layout (same order as a text sort for ten classes).
	if d.Layout != "numbered" || len(d.Classes) != 10 || len(d.Train.Samples) != 60 || len(d.Val.Samples) != 25 {
		t.Fatalf("layout %s, %d classes, %d/%d samples", d.Layout, len(d.Classes), len(d.Train.Samples), len(d.Val.Samples))
	}
	for i, c := range d.Classes {
		if c.WNID != strconv.Itoa(i) || c.Name != c.WNID {
			t.Errorf("class %d = %+v", i, c)
		}
	}
	for _, s := range d.Train.Samples {
		if filepath.Base(filepath.Dir(s.Path)) != strconv.Itoa(s.Label) {
			t.Fatalf("%s labelled %d", s.Path, s.Label)
		}
	}
	img, err := decode.File(first, decode.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rgba := img.(*image.RGBA)
	if rgba.Bounds().Dx() != 28 || rgba.Bounds().Dy() != 28 {
		t.Fatalf("bounds %v", rgba.Bounds())
	}
	ink := 0
	for y := range 28 {
		for x := range 28 {
			p := rgba.RGBAAt(x, y)
			if p.R != p.G || p.G != p.B {
				t.Fatalf("MNIST pixel not gray: %v", p)
			}
			if p.R > 128 {
				ink++
			}
		}
	}
	if ink < 50 || ink > 300 {
		t.Errorf("%d inked pixels in a digit", ink)
	}
	if _, _, err := ExportMNIST(t.TempDir(), out, 1, 1); err == nil {
		t.Error("missing IDX files not reported")
	}
}
