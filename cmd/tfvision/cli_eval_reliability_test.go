package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyVal copies the fixture's val/ tree to a new root, renaming class folders per rename
// and truncating the files damage selects.
func copyVal(t *testing.T, data string, rename map[string]string, damage func(name string) bool) string {
	t.Helper()
	root := t.TempDir()
	for _, cls := range fixtureClasses {
		src := filepath.Join(data, "val", cls)
		dst := filepath.Join(root, "val", cls)
		if r, ok := rename[cls]; ok {
			dst = filepath.Join(root, "val", r)
		}
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
			if damage != nil && damage(e.Name()) {
				b = b[:len(b)/3]
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// evalOneUnreadable evaluates the fixture's run on root, which holds one unreadable file
// (what: how it is unreadable), checks that eval succeeds and says "1 unreadable files
// skipped", and returns the --json report.
func evalOneUnreadable(t *testing.T, f fixture, root, what string) evalReport {
	t.Helper()
	jsonPath := filepath.Join(t.TempDir(), "E.json")
	res := runCLI(t, "", "eval", "--checkpoint", f.run, "--data", root, "--json", jsonPath, "--batch", "12")
	if res.err != nil {
		t.Fatalf("eval with %s: %v\n%s", what, res.err, res.stdout)
	}
	if !strings.Contains(res.stdout, "1 unreadable files skipped") {
		t.Errorf("eval output does not report the unreadable file:\n%s", res.stdout)
	}
	return readEvalReport(t, jsonPath)
}

// TestEvalInterruptIsPartialAndExits130 (issue 13 item 4): Ctrl-C after the first batch
// prints the result as PARTIAL (12 of 36 images), prints no final result, writes no JSON,
// and maps to exit status 130.
func TestEvalInterruptIsPartialAndExits130(t *testing.T) {
	f := getFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evalAfterBatch = cancel
	defer func() { evalAfterBatch = nil }()
	jsonPath := filepath.Join(t.TempDir(), "E.json")
	res := runCLICtx(t, ctx, "", "eval", "--checkpoint", f.run, "--data", f.data, "--json", jsonPath, "--batch", "12")
	if code := exitCode(res.err); code != 130 {
		t.Errorf("interrupted eval: exit %d (%v), want 130", code, res.err)
	}
	if !strings.Contains(res.stdout, "interrupted: PARTIAL result over 12 of 36 images") {
		t.Errorf("the partial result is not marked as such:\n%s", res.stdout)
	}
	for _, line := range strings.Split(res.stdout, "\n") {
		if strings.HasPrefix(line, "top-1 ") {
			t.Errorf("an interrupted eval printed a final result line: %q", line)
		}
	}
	if _, err := os.Stat(jsonPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted eval wrote %s", jsonPath)
	}
	if exitCode(errors.New("x")) != 1 || exitCode(nil) != 0 {
		t.Errorf("exitCode maps plain errors to %d, nil to %d", exitCode(errors.New("x")), exitCode(nil))
	}
}

// TestEvalRefusesDifferentClasses (issue 13 item 13): one class folder renamed (same count)
// is an error naming the differing classes, not a 0% result.
func TestEvalRefusesDifferentClasses(t *testing.T) {
	f := getFixture(t)
	root := copyVal(t, f.data, map[string]string{"green": "grey"}, nil)
	res := runCLI(t, "", "eval", "--checkpoint", f.run, "--data", root, "--batch", "12")
	want := `label 1: the data has "grey", the checkpoint "green"`
	if res.err == nil || !strings.Contains(res.err.Error(), want) || strings.Contains(res.stdout, "top-1 ") {
		t.Errorf("eval on renamed classes: want an error containing %q and no result, got %v\n%s", want, res.err, res.stdout)
	}
}

// TestEvalNamesUnreadableFiles (issue 13 item 14): 12 unreadable files: the first 10 named
// on stdout with a count of the rest, all 12 in the JSON report.
func TestEvalNamesUnreadableFiles(t *testing.T) {
	f := getFixture(t)
	bad := map[string]bool{}
	root := copyVal(t, f.data, nil, func(name string) bool {
		var i int
		fmt.Sscanf(name[strings.IndexByte(name, '_')+1:], "%d", &i)
		if i < 4 {
			bad[name] = true
			return true
		}
		return false
	})
	jsonPath := filepath.Join(t.TempDir(), "E.json")
	res := runCLI(t, "", "eval", "--checkpoint", f.run, "--data", root, "--json", jsonPath, "--batch", "12")
	if res.err != nil || len(bad) != 12 {
		t.Fatalf("eval: %v (%d damaged)\n%s", res.err, len(bad), res.stdout)
	}
	named := 0
	for name := range bad {
		if strings.Contains(res.stdout, string(filepath.Separator)+name+": ") {
			named++
		}
	}
	if named != 10 || !strings.Contains(res.stdout, "… and 2 more unreadable files (all are listed in "+jsonPath+")") {
		t.Errorf("stdout names %d unreadable files, want 10 and a count of the other 2:\n%s", named, res.stdout)
	}
	rep := readEvalReport(t, jsonPath)
	all := strings.Join(rep.Result.Unreadable, "\n")
	for name := range bad {
		if !strings.Contains(all, string(filepath.Separator)+name+": ") {
			t.Errorf("%s missing from the JSON's unreadable_files %v", name, rep.Result.Unreadable)
		}
	}
	if len(rep.Result.Unreadable) != 12 || rep.Result.Failed != 12 {
		t.Errorf("JSON: %d unreadable listed, failed_files %d, want 12 and 12", len(rep.Result.Unreadable), rep.Result.Failed)
	}
}
