package layering

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tfvision/tfvision"

// rules: the packages (with their subpackages) under from must not depend, directly or
// through others, on those under any of forbidden. Production code only: a test may use a
// higher layer as a fixture.
var rules = []struct {
	from      string
	forbidden []string
}{
	// The one class type: anything may use it, it uses nothing.
	{"label", []string{"vision", "imagenet", "augment", "train", "eval", "checkpoint", "configs", "run", "predict", "cmd"}},
	{"vision", []string{"imagenet", "augment", "train", "eval", "checkpoint", "configs", "run", "predict", "cmd"}},
	{"imagenet", []string{"vision", "train", "eval", "augment", "configs", "checkpoint", "run", "predict"}},
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

// chain is one import path from src to a package under rel, following direct imports.
func chain(byPath map[string]pkg, src, rel string) []string {
	prev := map[string]string{src: ""}
	queue := []string{src}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p != src && within(p, rel) {
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
				if !slices.ContainsFunc(p.Deps, func(d string) bool { return within(d, bad) }) {
					continue
				}
				if _, ok := exceptions[[2]string{r.from, bad}]; ok {
					used[[2]string{r.from, bad}] = true
					continue
				}
				violations = append(violations, fmt.Sprintf("%s must not import %s: %s", r.from, bad,
					strings.Join(chain(byPath, p.ImportPath, bad), " → ")))
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
