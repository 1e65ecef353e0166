package predict

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCollectPaths(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.JPEG", "a.png", "sub/c.jpg", "notes.txt", ".hidden.jpg", ".git/x.jpg"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
	}
	got, err := CollectPaths([]string{dir, "/missing.jpg", "-"}, strings.NewReader("one.jpg\n\n  two.png \n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.png"), filepath.Join(dir, "b.JPEG"), filepath.Join(dir, "sub/c.jpg"),
		"/missing.jpg", "one.jpg", "two.png"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CollectPaths =\n%v\nwant\n%v", got, want)
	}
}
