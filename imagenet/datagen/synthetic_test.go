package datagen

import (
	"testing"

	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/imagenet/decode"
)

func TestWriteSyntheticMakesALoadableTree(t *testing.T) {
	root := t.TempDir()
	if err := WriteSynthetic(root, 3, 2, 1, 64, 48, 1); err != nil {
		t.Fatal(err)
	}
	ds, err := imagenet.Open(root, imagenet.Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Classes) != 3 || len(ds.Train.Samples) != 6 || len(ds.Val.Samples) != 3 {
		t.Fatalf("classes %d, train %d, val %d; want 3, 6, 3", len(ds.Classes), len(ds.Train.Samples), len(ds.Val.Samples))
	}
	img, err := decode.File(ds.Val.Samples[2].Path, decode.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 48 {
		t.Errorf("decoded %v, want 64×48", b)
	}
	if ds.Val.Samples[2].Label != 2 {
		t.Errorf("label %d, want 2", ds.Val.Samples[2].Label)
	}
}
