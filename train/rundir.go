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
	// Temp files of atomicfile writes in the run directory, and of older tfvision's
	// metrics rewrite.
	for _, pattern := range []string{".metrics.jsonl.tmp*", ".curves.png.tmp*", "metrics.jsonl.tmp"} {
		m, _ := filepath.Glob(filepath.Join(r.dir, pattern))
		orphans = append(orphans, m...)
	}
	for _, p := range orphans {
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("remove orphaned temp file %s: %w", p, err)
		}
		r.printf("removed %s (left by an interrupted write)\n", p)
	}
	return nil
}
