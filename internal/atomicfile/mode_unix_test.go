//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Files must be readable by the group and others (0644 under umask 022), not 0600 as
// os.CreateTemp makes them, so a teammate can read a run; a stricter umask still wins.
func TestWriteModeFollowsUmask(t *testing.T) {
	for _, tc := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o664}} {
		old := syscall.Umask(tc.umask)
		dir := t.TempDir()
		paths := []string{filepath.Join(dir, "durable.safetensors"), filepath.Join(dir, "fast.png")}
		errD := WriteBytes(paths[0], true, []byte("w"))
		errF := WriteBytes(paths[1], false, []byte("p"))
		syscall.Umask(old)
		if errD != nil || errF != nil {
			t.Fatal(errD, errF)
		}
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != tc.want {
				t.Errorf("umask %03o: %s has mode %04o, want %04o", tc.umask, filepath.Base(p), got, tc.want)
			}
		}
	}
}
