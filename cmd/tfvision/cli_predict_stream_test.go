package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cancelOnOutput is a stdout that cancels (Ctrl-C) as soon as a prediction row arrives.
type cancelOnOutput struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (c *cancelOnOutput) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Contains(p, []byte(".png")) {
		c.cancel()
	}
	return c.buf.Write(p)
}

// TestPredictStreamsAndKeepsResultsOnInterrupt (issue 13 item 5): predictions are written
// as each batch finishes; Ctrl-C when the first batch (12 of 36 files) reaches stdout stops
// the run with exit 130, and those 12 files' results are there, complete, in every format.
func TestPredictStreamsAndKeepsResultsOnInterrupt(t *testing.T) {
	f := getFixture(t)
	for _, format := range []string{"table", "csv", "jsonl", "json"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		out := &cancelOnOutput{cancel: cancel}
		var errOut bytes.Buffer
		root := newRoot()
		root.SetArgs([]string{"predict", "--checkpoint", f.run, "--format", format, "--topk", "2", "--batch", "12", filepath.Join(f.data, "val")})
		root.SetOut(out)
		root.SetErr(&errOut)
		err := root.ExecuteContext(ctx)
		cancel()
		if code := exitCode(err); code != 130 {
			t.Errorf("%s: exit %d (%v), want 130 (interrupted when the first results appeared)", format, code, err)
		}
		rows := parsePredictOutput(t, format, out.buf.String())
		if len(rows) != 12 {
			t.Errorf("%s: %d files in the output, want the first batch's 12:\n%s", format, len(rows), out.buf.String())
		}
		for name, r := range rows {
			if len(r.top) != 2 || r.err != "" {
				t.Errorf("%s: %s has %d labels (error %q), want 2", format, name, len(r.top), r.err)
			}
		}
		if !strings.Contains(errOut.String(), "interrupted: the 12 of 36 files above are classified") {
			t.Errorf("%s: stderr does not say what was done:\n%s", format, errOut.String())
		}
	}
}
