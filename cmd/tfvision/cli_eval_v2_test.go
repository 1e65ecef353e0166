package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
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
