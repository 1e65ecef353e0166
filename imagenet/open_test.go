package imagenet

import (
	"image/color"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/label"
)

// buildFolders makes a "folders" tree with every kind of dirty file and
// returns root and the expected label of every listed file (relative path).
func buildFolders(t *testing.T) (string, map[string]int) {
	t.Helper()
	root := t.TempDir()
	tr := filepath.Join(root, "train")
	dirty := dirtyFiles(t, t.TempDir())
	cp := func(src, dst string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, dst), b)
	}
	cp(dirty["rgb.JPEG"], "train/n01440764/n01440764_1.JPEG")
	cp(dirty["png_named.JPEG"], "train/n01440764/n01440764_2.JPEG")
	cp(dirty["truncated.JPEG"], "train/n01440764/n01440764_3.JPEG")
	cp(dirty["cmyk.JPEG"], "train/n01443537/n01443537_1.JPEG")
	cp(dirty["gray.JPEG"], "train/n01443537/n01443537_2.JPEG")
	cp(dirty["empty.JPEG"], "train/n01443537/n01443537_3.JPEG")
	cp(dirty["rgb.JPEG"], "train/custom/a.png") // unknown wnid: named by folder; PNG ext, JPEG bytes
	cp(dirty["rgb.JPEG"], "val/n01443537/v1.JPEG")
	cp(dirty["gray.JPEG"], "val/n01440764/v2.jpg")
	// litter, all to be counted in Ignored
	writeFile(t, filepath.Join(tr, ".DS_Store"), []byte{0, 0, 0, 1})
	writeFile(t, filepath.Join(tr, "Thumbs.db"), []byte("x"))
	writeFile(t, filepath.Join(tr, "n01440764", ".DS_Store"), []byte{0})
	writeFile(t, filepath.Join(tr, "n01440764", "._n01440764_1.JPEG"), []byte{0})
	writeFile(t, filepath.Join(tr, "n01443537", "notes.txt"), []byte("hello"))
	mkdir(t, filepath.Join(tr, ".hidden_class"))
	want := map[string]int{ // custom < n01440764 < n01443537
		"train/custom/a.png":               0,
		"train/n01440764/n01440764_1.JPEG": 1,
		"train/n01440764/n01440764_2.JPEG": 1,
		"train/n01440764/n01440764_3.JPEG": 1,
		"train/n01443537/n01443537_1.JPEG": 2,
		"train/n01443537/n01443537_2.JPEG": 2,
		"train/n01443537/n01443537_3.JPEG": 2,
		"val/n01440764/v2.jpg":             1,
		"val/n01443537/v1.JPEG":            2,
	}
	return root, want
}

func checkLabels(t *testing.T, d *Dataset, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	for _, sp := range []*Split{d.Train, d.Val} {
		if sp == nil {
			continue
		}
		for _, s := range sp.Samples {
			rel, err := filepath.Rel(d.Root, s.Path)
			if err != nil {
				t.Fatal(err)
			}
			got[filepath.ToSlash(rel)] = s.Label
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("labels:\n got %v\nwant %v", got, want)
	}
}

func TestOpenFolders(t *testing.T) {
	root, want := buildFolders(t)
	d, err := Open(root, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Layout != "folders" {
		t.Errorf("layout %q", d.Layout)
	}
	wantClasses := []label.Class{{Index: 0, WNID: "custom", Name: "custom"}, {Index: 1, WNID: "n01440764", Name: "tench, Tinca tinca"}, {Index: 2, WNID: "n01443537", Name: "goldfish, Carassius auratus"}}
	if !reflect.DeepEqual(d.Classes, wantClasses) {
		t.Errorf("classes %v", d.Classes)
	}
	if got := d.ClassNames(); got[1] != "tench, Tinca tinca" {
		t.Errorf("ClassNames %v", got)
	}
	checkLabels(t, d, want)
	// .DS_Store, Thumbs.db, .hidden_class, class/.DS_Store, ._*, notes.txt
	if d.Train.Ignored.Count != 6 || len(d.Train.Ignored.Examples) != 6 {
		t.Errorf("train ignored %d: %v", d.Train.Ignored.Count, d.Train.Ignored.Examples)
	}
	if d.Val.Ignored.Count != 0 {
		t.Errorf("val ignored %v", d.Val.Ignored)
	}
	for _, ex := range d.Train.Ignored.Examples {
		if !strings.Contains(ex, ": ") {
			t.Errorf("example %q has no reason", ex)
		}
	}
}

func TestOpenValFolderUnknownClass(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "train/a/1.jpg"), jpegBytes(t, solid(4, 4, color.RGBA{1, 2, 3, 255})))
	writeFile(t, filepath.Join(root, "val/b/1.jpg"), jpegBytes(t, solid(4, 4, color.RGBA{1, 2, 3, 255})))
	if _, err := Open(root, Options{NoCache: true}); err == nil || !strings.Contains(err.Error(), "not among") {
		t.Fatalf("err = %v; want a class mismatch error", err)
	}
	if _, err := Open(t.TempDir(), Options{NoCache: true}); err == nil {
		t.Fatal("empty root opened")
	}
}

// buildDevkit makes a flat val folder + devkit ground truth whose ids are
// deliberately not in sorted-wnid order.
func buildDevkit(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	img := jpegBytes(t, solid(4, 4, color.RGBA{9, 9, 9, 255}))
	for _, n := range []string{"00000001", "00000002", "00000003", "00000004", "00000009"} {
		writeFile(t, filepath.Join(root, "val", "ILSVRC2012_val_"+n+".JPEG"), img)
	}
	writeFile(t, filepath.Join(root, "val", ".DS_Store"), []byte{0})
	writeFile(t, filepath.Join(root, "val", "README.txt"), []byte("x"))
	writeFile(t, filepath.Join(root, "ILSVRC2012_devkit_t12", "data", groundTruthName), []byte("2\n3\n1\n2\n"))
	return root
}

func TestOpenDevkit(t *testing.T) {
	// id 1 → n03000134, 2 → n01440764, 3 → n02119789: sorted classes are
	// n01440764=0, n02119789=1, n03000134=2, so "id-1" would be wrong on
	// every file.
	want := map[string]int{
		"val/ILSVRC2012_val_00000001.JPEG": 0,
		"val/ILSVRC2012_val_00000002.JPEG": 1,
		"val/ILSVRC2012_val_00000003.JPEG": 2,
		"val/ILSVRC2012_val_00000004.JPEG": 0,
	}
	mappings := map[string]string{
		"id wnid":    "1 n03000134\n2 n01440764\n3 n02119789\n",
		"wnid lines": "n03000134\nn01440764\nn02119789\n",
		"map_clsloc": "n03000134 1 chainlink_fence\nn01440764 2 tench\nn02119789 3 kit_fox\n",
	}
	for name, text := range mappings {
		t.Run(name, func(t *testing.T) {
			root := buildDevkit(t)
			opts := Options{NoCache: true}
			if name == "map_clsloc" { // found next to the ground truth, no option needed
				writeFile(t, filepath.Join(root, "ILSVRC2012_devkit_t12", "data", "map_clsloc.txt"), []byte(text))
			} else {
				opts.DevkitMapping = filepath.Join(t.TempDir(), "map.txt")
				writeFile(t, opts.DevkitMapping, []byte(text))
			}
			d, err := Open(root, opts)
			if err != nil {
				t.Fatal(err)
			}
			if d.Layout != "devkit" || d.Train != nil || len(d.Classes) != 3 || d.Classes[1].Name != "kit fox, Vulpes macrotis" {
				t.Fatalf("layout %q train %v classes %v", d.Layout, d.Train, d.Classes)
			}
			checkLabels(t, d, want)
			// .DS_Store, README.txt, val_00000009 (no ground-truth line)
			if d.Val.Ignored.Count != 3 {
				t.Errorf("ignored %v", d.Val.Ignored)
			}
		})
	}
	t.Run("no mapping", func(t *testing.T) {
		_, err := Open(buildDevkit(t), Options{NoCache: true})
		if err == nil || !strings.Contains(err.Error(), "DevkitMapping") {
			t.Fatalf("err = %v; want a request for Options.DevkitMapping", err)
		}
	})
	t.Run("id missing from mapping", func(t *testing.T) {
		opts := Options{NoCache: true, DevkitMapping: filepath.Join(t.TempDir(), "m.txt")}
		writeFile(t, opts.DevkitMapping, []byte("1 n03000134\n2 n01440764\n"))
		if _, err := Open(buildDevkit(t), opts); err == nil || !strings.Contains(err.Error(), "ILSVRC2012_ID 3") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestOpenKaggle(t *testing.T) {
	root := t.TempDir()
	kag := filepath.Join(root, "ILSVRC", "Data", "CLS-LOC")
	img := jpegBytes(t, solid(4, 4, color.RGBA{9, 9, 9, 255}))
	writeFile(t, filepath.Join(kag, "train", "n01440764", "n01440764_1.JPEG"), img)
	writeFile(t, filepath.Join(kag, "train", "n01443537", "n01443537_1.JPEG"), img)
	writeFile(t, filepath.Join(kag, "train", "n01443537", "._n01443537_1.JPEG"), img)
	for _, n := range []string{"1", "2", "3"} {
		writeFile(t, filepath.Join(kag, "val", "ILSVRC2012_val_0000000"+n+".JPEG"), img)
	}
	writeFile(t, filepath.Join(root, "LOC_val_solution.csv"), []byte("ImageId,PredictionString\n"+
		"ILSVRC2012_val_00000002,n01440764 1 2 3 4 n01440764 5 6 7 8 \n"+
		"ILSVRC2012_val_00000001,n01443537 10 20 30 40\n"))
	writeFile(t, filepath.Join(root, "LOC_synset_mapping.txt"), []byte("n01440764 tenchy, fish\nn01443537 goldy\nn01484850 great white shark\n"))
	d, err := Open(root, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Layout != "kaggle" {
		t.Fatalf("layout %q", d.Layout)
	}
	wantClasses := []label.Class{{Index: 0, WNID: "n01440764", Name: "tenchy, fish"}, {Index: 1, WNID: "n01443537", Name: "goldy"}, {Index: 2, WNID: "n01484850", Name: "great white shark"}}
	if !reflect.DeepEqual(d.Classes, wantClasses) {
		t.Errorf("classes %v", d.Classes)
	}
	checkLabels(t, d, map[string]int{
		"ILSVRC/Data/CLS-LOC/train/n01440764/n01440764_1.JPEG": 0,
		"ILSVRC/Data/CLS-LOC/train/n01443537/n01443537_1.JPEG": 1,
		"ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00000001.JPEG": 1,
		"ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00000002.JPEG": 0,
	})
	if d.Train.Ignored.Count != 1 || d.Val.Ignored.Count != 1 { // ._ file; val_3 has no csv row
		t.Errorf("ignored train %v val %v", d.Train.Ignored, d.Val.Ignored)
	}
}

func TestOpenEmptyValIsFolders(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "train/a/1.jpg"), jpegBytes(t, solid(4, 4, color.RGBA{1, 2, 3, 255})))
	mkdir(t, filepath.Join(root, "val"))
	writeFile(t, filepath.Join(root, "val/.DS_Store"), []byte{0})
	d, err := Open(root, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Layout != "folders" || len(d.Train.Samples) != 1 || len(d.Val.Samples) != 0 || d.Val.Ignored.Count != 1 {
		t.Fatalf("%+v %+v", d, d.Val)
	}
}

// TestOpenImageNetV2Layout: class folders 0..11 (ImageNet-V2 names them by class index) are
// ordered by number, so every label equals its folder's number; a text sort would make
// "10" class 2.
func TestOpenImageNetV2Layout(t *testing.T) {
	root := t.TempDir()
	for c := range 12 {
		writeFile(t, filepath.Join(root, "val", strconv.Itoa(c), "img.jpeg"), []byte("x"))
	}
	for _, noCache := range []bool{true, false, false} { // scan, scan + save, cache hit
		d, err := Open(root, Options{NoCache: noCache})
		if err != nil {
			t.Fatal(err)
		}
		if d.Layout != "numbered" || len(d.Classes) != 12 {
			t.Fatalf("layout %q with %d classes, want numbered with 12", d.Layout, len(d.Classes))
		}
		for i, c := range d.Classes {
			if c.WNID != strconv.Itoa(i) || c.Index != i {
				t.Errorf("class %d is %+v, want folder %d", i, c, i)
			}
		}
		if d.Val.Len() != 12 {
			t.Fatalf("%d val samples, want 12", d.Val.Len())
		}
		for _, s := range d.Val.Samples {
			if want, _ := strconv.Atoi(filepath.Base(filepath.Dir(s.Path))); s.Label != want {
				t.Errorf("%s has label %d, want %d", s.Path, s.Label, want)
			}
		}
	}
}

func TestV2Order(t *testing.T) {
	for _, tc := range []struct {
		names []string
		ok    bool
	}{
		{[]string{"0", "1", "10", "2", "3", "4", "5", "6", "7", "8", "9"}, true},
		{[]string{"1", "0"}, true},
		{[]string{"0"}, false},                   // one folder: nothing to order
		{[]string{"0", "2"}, false},              // a gap
		{[]string{"1", "2"}, false},              // not from 0
		{[]string{"0", "01"}, false},             // not canonical
		{[]string{"0", "+1"}, false},             // a sign
		{[]string{"0", "1", "n01440764"}, false}, // a wnid among numbers
	} {
		got, ok := V2Order(tc.names)
		if ok != tc.ok {
			t.Errorf("V2Order(%q) ok = %v, want %v", tc.names, ok, tc.ok)
			continue
		}
		for i, s := range got {
			if s != strconv.Itoa(i) {
				t.Errorf("V2Order(%q)[%d] = %q", tc.names, i, s)
			}
		}
	}
}
