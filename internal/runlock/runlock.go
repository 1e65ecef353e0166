package runlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FileName is the lock file inside a run directory.
const FileName = ".lock"

// Lock is a held run-directory lock.
type Lock struct{ f *os.File }

// Acquire locks dir (created if needed) for the calling process, recording what as the
// holder's description (e.g. "tfvision train"). If another process holds it, the error
// names that process and how to proceed; it does not wait.
func Acquire(dir, what string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open run lock %s: %w", path, err)
	}
	if err := tryLock(f); err != nil {
		holder := "another process"
		if b, rerr := os.ReadFile(path); rerr == nil && len(strings.TrimSpace(string(b))) > 0 {
			holder = strings.Join(strings.Fields(string(b)), " ")
		}
		f.Close()
		if errors.Is(err, errBusy) {
			return nil, fmt.Errorf("run directory %s is in use by %s (lock %s): wait for it to finish or stop it, or pass another --out", dir, holder, path)
		}
		return nil, fmt.Errorf("lock run directory %s: %w", dir, err)
	}
	info := fmt.Sprintf("pid %d (%s, since %s)\n", os.Getpid(), what, time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(info), 0)
	}
	if err != nil {
		unlock(f)
		f.Close()
		return nil, fmt.Errorf("write run lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Release unlocks; the file stays (removing it would race with a process about to lock it).
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	unlock(l.f)
	l.f.Close()
	l.f = nil
}
