//go:build linux

package train

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const metricsChildEnv = "TFVISION_TEST_METRICS_CHILD"

// TestMetricsRewriteNeverTruncates (issue 13 item 12): re-running when the disk cannot take
// the rewrite of metrics.jsonl (here a file size limit, as a full disk would) is an error,
// and the old metrics.jsonl stays whole. The rewrite runs in a child process, the only one
// under the limit.
func TestMetricsRewriteNeverTruncates(t *testing.T) {
	if dir := os.Getenv(metricsChildEnv); dir != "" {
		lim := syscall.Rlimit{Cur: 16 << 10, Max: 16 << 10}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			fmt.Println("SETRLIMIT:", err)
			return
		}
		_, err := openMetrics(dir, 1<<40)
		fmt.Println("RESULT:", err)
		return
	}
	dir := t.TempDir()
	var old bytes.Buffer
	for s := 1; s <= 1000; s++ {
		fmt.Fprintf(&old, `{"kind":"train","step":%d,"epoch":0,"loss":2.5}`+"\n", s)
	}
	path := filepath.Join(dir, "metrics.jsonl")
	if err := os.WriteFile(path, old.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMetricsRewriteNeverTruncates$", "-test.count=1")
	cmd.Env = append(os.Environ(), metricsChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "RESULT: metrics log: write") {
		t.Errorf("the failed rewrite was not reported as an error:\n%s", out)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, old.Bytes()) {
		t.Errorf("metrics.jsonl changed by a failed rewrite: %d bytes, was %d", len(now), old.Len())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".metrics.jsonl.tmp*")); len(m) > 0 {
		t.Errorf("temp files left: %v", m)
	}
}
