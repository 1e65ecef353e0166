package backend

import (
	"io"
	"os"
	"strings"
	"testing"
)

// TestOpenGoIsQuiet: opening the pure-Go backend sets the requested parallelism without
// printing gobackend's "parallelism set to" line, through the reflective setter rather than
// the os.Stdout swap that raced with other writers. The test itself points os.Stdout at a
// pipe to see whether anything is printed; a compute upgrade that removes Workers or
// SetMaxParallelism fails here (openGo would fall back to the printing option).
func TestOpenGoIsQuiet(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	type opened struct {
		spec, desc string
		err        error
	}
	var got []opened
	for _, spec := range []string{"go", "go:parallelism=3,ops_sequential", "go:ops_parallel"} {
		b, err := Open(spec, Options{})
		o := opened{spec: spec, err: err}
		if err == nil {
			o.desc = b.Description()
			b.Finalize()
		}
		got = append(got, o)
	}
	os.Stdout = saved
	w.Close()
	printed, _ := io.ReadAll(r)
	if len(printed) > 0 {
		t.Errorf("opening the Go backend printed to stdout: %q", printed)
	}
	want := map[string]string{"go": "parallelism=-1", "go:parallelism=3,ops_sequential": "parallelism=3", "go:ops_parallel": "parallelism="}
	for _, o := range got {
		if o.err != nil {
			t.Errorf("Open(%q): %v", o.spec, o.err)
			continue
		}
		if !strings.Contains(o.desc, want[o.spec]) {
			t.Errorf("Open(%q): description %q, want it to contain %q", o.spec, o.desc, want[o.spec])
		}
	}
	b, err := Open("go:ops_parallel", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if !setGoParallelism(b, 5) || !strings.Contains(b.Description(), "parallelism=5") {
		t.Errorf("setGoParallelism no longer reaches the Go backend's worker pool: %s", b.Description())
	}
	if _, err := Open("go:parallelism=many", Options{}); err == nil || !strings.Contains(err.Error(), "parallelism") {
		t.Errorf("a bad parallelism value: want an error naming it, got %v", err)
	}
}
