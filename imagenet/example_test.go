package imagenet_test

import (
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/tfvision/tfvision/imagenet"
)

// Open a dataset in the plain "folders" layout, root/{train,val}/<class>/<image>, and see
// what it found. Class folders named by WordNet ID get their ImageNet names.
func ExampleOpen() {
	root, err := os.MkdirTemp("", "tfvision-data")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	// Three training and one validation image for each of two classes.
	for split, n := range map[string]int{"train": 3, "val": 1} {
		for _, wnid := range []string{"n01440764", "n02102040"} {
			for i := range n {
				writePNG(filepath.Join(root, split, wnid, fmt.Sprintf("%d.png", i)))
			}
		}
	}

	ds, err := imagenet.Open(root, imagenet.Options{NoCache: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("layout:", ds.Layout)
	for _, c := range ds.Classes {
		fmt.Println(c.Index, c.WNID, c.Name)
	}
	fmt.Println("train:", ds.Train.Len(), "val:", ds.Val.Len())
	for _, s := range ds.Val.Samples { // Path is absolute; Label indexes ds.Classes
		rel, _ := filepath.Rel(root, s.Path)
		fmt.Println(filepath.ToSlash(rel), "→", s.Label)
	}
	// Output:
	// layout: folders
	// 0 n01440764 tench, Tinca tinca
	// 1 n02102040 English springer, English springer spaniel
	// train: 6 val: 2
	// val/n01440764/0.png → 0
	// val/n02102040/0.png → 1
}

func writePNG(path string) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		log.Fatal(err)
	}
}
