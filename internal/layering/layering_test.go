package layering

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
)

const module = "github.com/tfvision/tfvision"

// rules: the packages (with their subpackages) under from must not depend, directly or
// through others, on those under any of forbidden. Production code only: a test may use a
// higher layer as a fixture. When one of from and a forbidden tree contains the other,
// the inner tree is not checked against itself (see forbids).
var rules = []struct {
	from      string
	forbidden []string
}{
	// The one class type: anything may use it, it uses nothing.
	{"label", []string{"vision", "imagenet", "augment", "train", "eval", "checkpoint", "configs", "run", "predict", "cmd"}},
	{"vision", []string{"imagenet", "augment", "train", "eval", "checkpoint", "configs", "run", "predict", "cmd"}},
	{"imagenet", []string{"vision", "train", "eval", "augment", "configs", "checkpoint", "run", "predict"}},
	// The decoder is the bottom of the data stack: the imagenet loader, the packer and
	// prediction call it, never the reverse (the imagenet rule above covers subpackages).
	{"imagenet/decode", []string{"imagenet"}},
	// Dataset writers (MNIST export, synthetic JPEGs) are for the demo, benchmarks and
	// tests; the reading library must not carry them. datagen itself may import imagenet.
	{"imagenet", []string{"imagenet/datagen"}},
	{"augment", []string{"imagenet", "vision", "train", "eval", "configs", "run", "predict"}},
	// A checkpoint is tensors plus metadata: no model, data or config semantics.
	{"checkpoint", []string{"vision", "imagenet", "augment", "train", "eval", "configs", "run", "predict"}},
	// configs turns a config into components (transforms, model); it knows no run
	// directory, dataset layout or loop.
	{"configs", []string{"imagenet", "checkpoint", "train", "eval", "run", "predict", "cmd"}},
	// eval measures a model (or a loaded run) on data and reports; train validates with
	// it, so it must stay below train.
	{"eval", []string{"train", "predict", "cmd"}},
	// run owns a run directory: resolve, load, its classes; not the loop nor the metrics.
	{"run", []string{"train", "eval", "predict", "cmd"}},
	{"predict", []string{"train", "cmd"}},
	{"train", []string{"predict", "cmd"}},
	// Below everything: opening a backend needs no model, data or run.
	{"backend", []string{"vision", "imagenet", "augment", "train", "eval", "checkpoint", "configs", "run", "predict", "cmd"}},
	// Weight converters work on a store and a model config; the CLI does the run I/O.
	{"export", []string{"train", "eval", "run", "predict", "imagenet", "augment", "cmd"}},
	{"timm", []string{"train", "eval", "run", "predict", "imagenet", "augment", "cmd"}},
}

// exceptions are rule breaks known today, each with the issue that removes it. The test
// also fails when an exception is no longer needed, so the list cannot go stale.
var exceptions = map[[2]string]string{}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// within reports whether path is the package rel of the module or below it.
func within(path, rel string) bool {
	p := module + "/" + rel
	return path == p || strings.HasPrefix(path, p+"/")
}

// forbids reports whether the rule from → bad forbids package p to depend on d. When one
// tree contains the other, the inner tree is the rule's subject or its object, never both:
// for imagenet → imagenet/datagen, datagen (inside imagenet) may use its own
// subpackages; for imagenet/decode → imagenet, decode's own subpackages are not the
// "imagenet" it must not import.
func forbids(from, bad, p, d string) bool {
	if !within(p, from) || !within(d, bad) {
		return false
	}
	inner := ""
	switch {
	case within(module+"/"+from, bad):
		inner = from
	case within(module+"/"+bad, from):
		inner = bad
	}
	return inner == "" || !within(p, inner) || !within(d, inner)
}

// chain is one import path from src to a package that isBad, following direct imports.
func chain(byPath map[string]pkg, src string, isBad func(string) bool) []string {
	prev := map[string]string{src: ""}
	queue := []string{src}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p != src && isBad(p) {
			var out []string
			for ; p != ""; p = prev[p] {
				out = append(out, strings.TrimPrefix(p, module+"/"))
			}
			slices.Reverse(out)
			return out
		}
		for _, q := range byPath[p].Imports {
			if _, seen := prev[q]; !seen && strings.HasPrefix(q, module) {
				prev[q] = p
				queue = append(queue, q)
			}
		}
	}
	return nil
}

// check returns the rule breaks not covered by exceptions, and the exceptions that were
// used.
func check(pkgs []pkg) (violations []string, used map[[2]string]bool) {
	byPath := map[string]pkg{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	used = map[[2]string]bool{}
	for _, r := range rules {
		for _, p := range pkgs {
			if !within(p.ImportPath, r.from) {
				continue
			}
			for _, bad := range r.forbidden {
				isBad := func(d string) bool { return forbids(r.from, bad, p.ImportPath, d) }
				if !slices.ContainsFunc(p.Deps, isBad) {
					continue
				}
				if _, ok := exceptions[[2]string{r.from, bad}]; ok {
					used[[2]string{r.from, bad}] = true
					continue
				}
				violations = append(violations, fmt.Sprintf("%s must not import %s: %s", r.from, bad,
					strings.Join(chain(byPath, p.ImportPath, isBad), " → ")))
			}
		}
	}
	slices.Sort(violations)
	return slices.Compact(violations), used
}

// listPackages runs go list on the whole module (the go command on PATH is the one that
// runs the test: go test puts its GOROOT/bin first).
func listPackages(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestLayering: no package imports a layer its rules forbid (issue 14), and every known
// exception is still needed.
func TestLayering(t *testing.T) {
	pkgs := listPackages(t)
	for _, want := range []string{"vision", "imagenet", "augment", "train", "eval"} {
		if !slices.ContainsFunc(pkgs, func(p pkg) bool { return p.ImportPath == module+"/"+want }) {
			t.Fatalf("go list did not report package %s: is the module path still %s?", want, module)
		}
	}
	// A rule naming a package that was moved or renamed would silently check nothing.
	for _, r := range rules {
		for _, rel := range append([]string{r.from}, r.forbidden...) {
			if !slices.ContainsFunc(pkgs, func(p pkg) bool { return within(p.ImportPath, rel) }) {
				t.Errorf("rule %s → %v: no package %s in the module", r.from, r.forbidden, rel)
			}
		}
	}
	violations, used := check(pkgs)
	for _, v := range violations {
		t.Errorf("forbidden import: %s", v)
	}
	for e, why := range exceptions {
		if !used[e] {
			t.Errorf("exception %s → %s (%s) is no longer needed: delete it from exceptions", e[0], e[1], why)
		}
	}
}

// TestLayeringCatchesAForbiddenImport: the check itself fails on a transitive forbidden
// import and names the chain, and honours the exceptions.
func TestLayeringCatchesAForbiddenImport(t *testing.T) {
	m := func(rel string) string { return module + "/" + rel }
	pkgs := []pkg{
		{ImportPath: m("vision"), Imports: []string{m("internal/x")}, Deps: []string{m("internal/x"), m("imagenet/sub")}},
		{ImportPath: m("internal/x"), Imports: []string{m("imagenet/sub")}, Deps: []string{m("imagenet/sub")}},
		{ImportPath: m("imagenet/sub")},
		{ImportPath: m("train"), Imports: []string{m("predict")}, Deps: []string{m("predict")}},
		{ImportPath: m("predict")},
		// A rule covers its package's subpackages: train/parity has no rule of its own.
		{ImportPath: m("train/parity"), Imports: []string{m("cmd/tfvision")}, Deps: []string{m("cmd/tfvision")}},
		{ImportPath: m("cmd/tfvision")},
	}
	saved := exceptions
	defer func() { exceptions = saved }()
	exceptions = map[[2]string]string{{"train", "predict"}: "a test"}
	violations, used := check(pkgs)
	want := []string{"train must not import cmd: train/parity → cmd/tfvision",
		"vision must not import imagenet: vision → internal/x → imagenet/sub"}
	if !slices.Equal(violations, want) {
		t.Errorf("violations %q, want %q", violations, want)
	}
	if !used[[2]string{"train", "predict"}] {
		t.Errorf("the train → predict exception was not applied")
	}
}

// TestLayeringNestedRules: a rule between a package and its own parent or child checks
// what it says and no more. imagenet importing imagenet/datagen breaks it, datagen
// importing imagenet and its own subpackage does not; imagenet/decode importing its own
// subpackage does not break "decode must not import imagenet", importing imagenet (here
// through imagenet/decode/x) does, and the chain names the way in.
func TestLayeringNestedRules(t *testing.T) {
	m := func(rel string) string { return module + "/" + rel }
	pkgs := []pkg{
		{ImportPath: m("imagenet"), Imports: []string{m("imagenet/decode")}, Deps: []string{m("imagenet/decode"), m("imagenet/decode/x")}},
		{ImportPath: m("imagenet/datagen"), Imports: []string{m("imagenet"), m("imagenet/datagen/y")},
			Deps: []string{m("imagenet"), m("imagenet/datagen/y"), m("imagenet/decode"), m("imagenet/decode/x")}},
		{ImportPath: m("imagenet/datagen/y")},
		{ImportPath: m("imagenet/decode"), Imports: []string{m("imagenet/decode/x")}, Deps: []string{m("imagenet/decode/x")}},
		{ImportPath: m("imagenet/decode/x")},
	}
	if violations, _ := check(pkgs); len(violations) != 0 {
		t.Errorf("violations %q, want none", violations)
	}
	bad := []pkg{
		{ImportPath: m("imagenet"), Imports: []string{m("imagenet/datagen")}, Deps: []string{m("imagenet/datagen")}},
		{ImportPath: m("imagenet/datagen")},
		{ImportPath: m("imagenet/decode"), Imports: []string{m("imagenet/decode/x")}, Deps: []string{m("imagenet/decode/x"), m("imagenet/tables")}},
		{ImportPath: m("imagenet/decode/x"), Imports: []string{m("imagenet/tables")}, Deps: []string{m("imagenet/tables")}},
		{ImportPath: m("imagenet/tables")},
	}
	violations, _ := check(bad)
	want := []string{
		"imagenet must not import imagenet/datagen: imagenet → imagenet/datagen",
		"imagenet/decode must not import imagenet: imagenet/decode → imagenet/decode/x → imagenet/tables",
		"imagenet/decode must not import imagenet: imagenet/decode/x → imagenet/tables",
	}
	if !slices.Equal(violations, want) {
		t.Errorf("violations %q, want %q", violations, want)
	}
}

// TestDocsStateTheRules: each ruled package has a doc.go whose package comment names every
// package it must not import, so the drawing a newcomer reads is the one the test enforces.
func TestDocsStateTheRules(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		path := filepath.Join(root, filepath.FromSlash(r.from), "doc.go")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s has no doc.go saying what it owns and must not import: %v", r.from, err)
			continue
		}
		doc, _, _ := strings.Cut(string(data), "\npackage ")
		words := strings.FieldsFunc(doc, func(c rune) bool {
			return !(c == '/' || c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c))
		})
		for _, bad := range r.forbidden {
			if !slices.Contains(words, bad) {
				t.Errorf("%s/doc.go does not say it must not import %s", r.from, bad)
			}
		}
	}
}

// testOnly are packages that exist for tests (a fake fused-attention backend, huge-header
// image files, the shared test backend, the shared image fixtures): production code must
// not depend on them.
var testOnly = []string{"internal/fakefused", "internal/hostile", "internal/testbackend", "internal/testimages"}

// TestTestSupportStaysInTests: no production package depends on a test-only package.
func TestTestSupportStaysInTests(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, only := range testOnly {
			if within(p.ImportPath, only) {
				continue
			}
			if slices.ContainsFunc(p.Deps, func(d string) bool { return within(d, only) }) {
				t.Errorf("%s depends on the test-only package %s", strings.TrimPrefix(p.ImportPath, module+"/"), only)
			}
		}
	}
}
