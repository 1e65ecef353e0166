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
	{"vision", []string{"imagenet", "augment", "train", "eval", "checkpoint", "cmd"}},
	{"imagenet", []string{"vision", "train", "eval", "augment"}},
	{"augment", []string{"imagenet", "vision", "train", "eval"}},
	{"train", []string{"cmd"}},
	{"eval", []string{"train"}},
	// issue 14's target: eval is metrics and reports, not a library train needs.
	{"train", []string{"eval"}},
}

// exceptions are rule breaks known today, each with the issue that removes it. The test
// also fails when an exception is no longer needed, so the list cannot go stale.
var exceptions = map[[2]string]string{
	// TODO(issue 14): train imports eval for its config adapters (eval.Transform, eval.DType,
	// eval.ResolveCheckpoint); they move to configs / a run package.
	{"train", "eval"}: "issue 14",
}

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
		{ImportPath: m("train"), Imports: []string{m("eval")}, Deps: []string{m("eval")}},
		{ImportPath: m("eval")},
		// A rule covers its package's subpackages: train/parity has no rule of its own.
		{ImportPath: m("train/parity"), Imports: []string{m("cmd/tfvision")}, Deps: []string{m("cmd/tfvision")}},
		{ImportPath: m("cmd/tfvision")},
	}
	violations, used := check(pkgs)
	want := []string{"train must not import cmd: train/parity → cmd/tfvision",
		"vision must not import imagenet: vision → internal/x → imagenet/sub"}
	if !slices.Equal(violations, want) {
		t.Errorf("violations %q, want %q", violations, want)
	}
	if !used[[2]string{"train", "eval"}] {
		t.Errorf("the train → eval exception was not applied")
	}
}
