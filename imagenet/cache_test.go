package imagenet

import (
	"image/color"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCacheHitAndInvalidation(t *testing.T) {
	root, _ := buildFolders(t)
	backdate(t, root)
	opts := Options{}
	first, err := Open(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !isFile(filepath.Join(root, cacheName)) {
		t.Fatal("no cache written next to the data")
	}
	cached := loadCache(root, opts)
	if cached == nil {
		t.Fatal("fresh cache not used")
	}
	if !reflect.DeepEqual(cached, first) {
		t.Fatalf("cached dataset differs:\n%+v\n%+v", cached, first)
	}
	img := jpegBytes(t, solid(4, 4, color.RGBA{1, 2, 3, 255}))
	steps := []struct {
		name       string
		change     func()
		trainCount int
		classes    int
	}{
		{"unchanged", func() {}, 7, 3},
		{"file added to class dir", func() { writeFile(t, filepath.Join(root, "train/n01440764/new.JPEG"), img) }, 8, 3},
		{"file removed", func() { os.Remove(filepath.Join(root, "train/n01443537/n01443537_3.JPEG")) }, 7, 3},
		{"class added", func() { writeFile(t, filepath.Join(root, "train/zzz/1.JPEG"), img) }, 8, 4},
		{"val removed", func() { os.RemoveAll(filepath.Join(root, "val")) }, 8, 4},
	}
	for _, s := range steps {
		// Make the tree old and list it, so a trusted cache exists ...
		backdate(t, root)
		if _, err := Open(root, opts); err != nil {
			t.Fatal(err)
		}
		if loadCache(root, opts) == nil {
			t.Fatalf("%s: cache of an old, unchanged tree not used", s.name)
		}
		// ... then change the tree: the cache must be rejected.
		s.change()
		if s.name != "unchanged" && loadCache(root, opts) != nil {
			t.Errorf("%s: stale cache accepted", s.name)
		}
		d, err := Open(root, opts)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if len(d.Train.Samples) != s.trainCount || len(d.Classes) != s.classes {
			t.Errorf("%s: %d train samples, %d classes; want %d, %d", s.name, len(d.Train.Samples), len(d.Classes), s.trainCount, s.classes)
		}
	}
}

func TestCacheRacyTreeNotTrusted(t *testing.T) {
	root, _ := buildFolders(t) // mtimes are "now": too fresh to trust
	if _, err := Open(root, Options{}); err != nil {
		t.Fatal(err)
	}
	if loadCache(root, Options{}) != nil {
		t.Fatal("cache of a tree modified within the racy window was trusted")
	}
}

func TestCacheDirAndNoCache(t *testing.T) {
	root, _ := buildFolders(t)
	backdate(t, root)
	dir := t.TempDir()
	if _, err := Open(root, Options{CacheDir: dir}); err != nil {
		t.Fatal(err)
	}
	if isFile(filepath.Join(root, cacheName)) {
		t.Error("CacheDir set but cache written into root")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.gob")); len(m) != 1 {
		t.Errorf("cache files in CacheDir: %v", m)
	}
	if loadCache(root, Options{CacheDir: dir}) == nil {
		t.Error("CacheDir cache not used")
	}
	root2, _ := buildFolders(t)
	if _, err := Open(root2, Options{NoCache: true}); err != nil {
		t.Fatal(err)
	}
	if isFile(filepath.Join(root2, cacheName)) {
		t.Error("NoCache wrote a cache")
	}
}

func TestCacheDevkitMappingIsPartOfKey(t *testing.T) {
	root := buildDevkit(t)
	m1 := filepath.Join(t.TempDir(), "m.txt")
	writeFile(t, m1, []byte("1 n03000134\n2 n01440764\n3 n02119789\n"))
	backdate(t, root)
	backdate(t, filepath.Dir(m1))
	d1, err := Open(root, Options{DevkitMapping: m1})
	if err != nil {
		t.Fatal(err)
	}
	// Editing the mapping must relabel, not reuse the cached labels.
	writeFile(t, m1, []byte("1 n01440764\n2 n03000134\n3 n02119789\n"))
	backdate(t, filepath.Dir(m1))
	os.Chtimes(m1, timeNowMinus(30), timeNowMinus(30))
	d2, err := Open(root, Options{DevkitMapping: m1})
	if err != nil {
		t.Fatal(err)
	}
	if d1.Val.Samples[0].Label == d2.Val.Samples[0].Label {
		t.Errorf("edited mapping ignored: label %d both times", d1.Val.Samples[0].Label)
	}
}
