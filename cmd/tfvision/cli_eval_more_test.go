package main

import (
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/eval"
)

var top1Line = regexp.MustCompile(`(?m)^top-1 \S+%  top-5 \S+%`)

// TestEvalImageNetV2Layout: the fixture's validation set copied into folders named by class
// index (ImageNet-V2's layout) evaluates to the same top-1/top-5 as the original wnid-style
// folders, with folder N taken as the run's class N.
func TestEvalImageNetV2Layout(t *testing.T) {
	f := getFixture(t)
	want, _ := getFixtureEval(t)
	v2 := t.TempDir()
	sorted := append([]string(nil), fixtureClasses...)
	sort.Strings(sorted)
	for i, cls := range sorted {
		src := filepath.Join(f.data, "val", cls)
		dst := filepath.Join(v2, "val", strconv.Itoa(i))
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		ents, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	res := runCLI(t, "", "eval", "--checkpoint", f.run, "--data", v2, "--batch", "12")
	if res.err != nil {
		t.Fatalf("eval on the V2 tree: %v\n%s", res.err, res.stdout)
	}
	if !strings.Contains(res.stdout, "ImageNet-V2 layout: folder N = class N") {
		t.Errorf("no V2 notice:\n%s", res.stdout)
	}
	got, orig := top1Line.FindString(res.stdout), top1Line.FindString(want)
	if got == "" || got != orig {
		t.Errorf("V2 tree: %q, original folders: %q", got, orig)
	}
}

// TestEvalConfusionPNG: --confusion-png writes a PNG of the heat map's size for the run's
// classes.
func TestEvalConfusionPNG(t *testing.T) {
	f := getFixture(t)
	path := filepath.Join(t.TempDir(), "confusion.png")
	res := runCLI(t, "", "eval", "--checkpoint", f.run, "--data", f.data, "--batch", "12", "--confusion-png", path)
	if res.err != nil {
		t.Fatalf("eval: %v\n%s", res.err, res.stdout)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	w, h := eval.HeatMapSize(len(fixtureClasses))
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("PNG is %v, want %d×%d", b, w, h)
	}
	if !strings.Contains(res.stdout, "confusion heat map: "+path) {
		t.Errorf("stdout does not name the PNG:\n%s", res.stdout)
	}
}
