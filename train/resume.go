package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tfvision/tfvision/checkpoint"
)

// CorruptSuffix is appended to a damaged checkpoint (checkpoint.ErrCorrupt) found on
// resume: it is kept for inspection but no longer counts as one of the run's checkpoints.
const CorruptSuffix = ".corrupt"

// resume loads the newest of candidates (oldest first) that reads and verifies. Newer ones
// that fail (a checksum, a truncation, an unexpected tensor) are skipped, each named with
// the reason; damaged ones are moved aside. A checkpoint of a different model config stops the resume:
// the older ones of the same run would not match either.
func (r *runner) resume(candidates []string) error {
	// Trace first so loading checks every saved shape against this config's model.
	if err := r.model.Trace(r.backend, r.store); err != nil {
		return err
	}
	expect := checkpoint.ExpectFor(r.store)
	var skipped []string
	for i := len(candidates) - 1; i >= 0; i-- {
		ck := candidates[i]
		meta, err := checkpoint.ReadMeta(ck)
		if err == nil {
			if err := sameModel(meta.Config, r.cfg); err != nil {
				return fmt.Errorf("resume from %s: %w", ck, err)
			}
			meta, err = checkpoint.LoadExpect(ck, r.store, nil, expect)
		}
		if err != nil {
			msg := fmt.Sprintf("skipped %s: %v", ck, err)
			// A damaged file is moved aside (kept for inspection, out of the run's list); one
			// that merely does not fit this model stays where it is.
			if errors.Is(err, checkpoint.ErrCorrupt) {
				if rerr := os.Rename(ck, ck+CorruptSuffix); rerr == nil {
					msg += fmt.Sprintf(" (moved aside to %s)", filepath.Base(ck+CorruptSuffix))
				}
			}
			r.printf("resume: %s\n", msg)
			skipped = append(skipped, msg)
			continue
		}
		r.resumeMeta = meta
		r.printf("resuming from %s (step %d, epoch %d)\n", ck, meta.Step, meta.Epoch)
		if !meta.Checksummed {
			r.printf("note: %s has no checksums (written by an older tfvision): loaded without verification\n", ck)
		}
		return nil
	}
	return fmt.Errorf("resume: no checkpoint in %s reads and verifies:\n  %s\n  hint: pass --fresh to start over (damaged files are kept, renamed *%s)",
		r.ckptDir, strings.Join(skipped, "\n  "), CorruptSuffix)
}
