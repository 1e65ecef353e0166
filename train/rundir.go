package train

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/internal/runlock"
)

// lockRunDir takes the run directory for this process (one train at a time per --out),
// then removes what killed writes of earlier runs left: only the lock holder can tell a
// temp file is orphaned rather than being written.
func (r *runner) lockRunDir() error {
	lock, err := runlock.Acquire(r.dir, "tfvision train")
	if err != nil {
		return err
	}
	r.lock = lock
	if err := os.MkdirAll(r.ckptDir, 0o755); err != nil {
		return fmt.Errorf("create run directory %s: %w", r.ckptDir, err)
	}
	orphans, err := checkpoint.Orphans(r.ckptDir)
	if err != nil {
		return err
	}
	more, _ := filepath.Glob(filepath.Join(r.dir, ".*.tmp*")) // metrics.jsonl, curves.png
	old, _ := filepath.Glob(filepath.Join(r.dir, "metrics.jsonl.tmp"))
	for _, p := range append(append(orphans, more...), old...) {
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("remove orphaned temp file %s: %w", p, err)
		}
		r.printf("removed %s (left by an interrupted write)\n", p)
	}
	return nil
}
