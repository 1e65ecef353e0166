package runlock

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecondHolderIsRefusedAndNamed (issue 13 item 7): flock locks are per open file, so a
// second Acquire in this process stands for a second process.
func TestSecondHolderIsRefusedAndNamed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	l, err := Acquire(dir, "tfvision train")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir, "tfvision train")
	want := fmt.Sprintf("in use by pid %d (tfvision train", os.Getpid())
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second Acquire: want an error naming %s and %q, got %v", dir, want, err)
	}
	l.Release()
	l2, err := Acquire(dir, "tfvision grow")
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	defer l2.Release()
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !strings.Contains(string(b), "tfvision grow") {
		t.Errorf("lock file %q does not name the new holder", b)
	}
}
