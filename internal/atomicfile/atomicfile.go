package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Perm is the mode new files are created with, before the process umask: 0666, so under
// the usual umask 022 a file is 0644, as os.Create and every ML tool make it, and a
// teammate can read a run's checkpoints, curves and exported images. os.CreateTemp would
// make them 0600.
//
// Checkpoints get the same mode on purpose: they hold model weights and the run's config,
// no credentials, and a run directory exists to be shared (evaluated, plotted, fine-tuned
// from by someone else). Whoever wants a private run sets umask 077 (or a 0700 parent
// directory), which this respects, instead of every reader having to chmod files.
const Perm = 0o666

// Write creates the parent directory if needed, streams write's output to a temp file
// next to path and renames it into place. With durable, the file and the directory are
// fsynced so the new content survives a power cut (checkpoints); without, the write is
// only atomic (caches, exported images), which keeps bulk writes fast.
func Write(path string, durable bool, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := createTemp(dir, "."+filepath.Base(path)+".tmp")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("commit %s: %w", path, err)
	}
	if durable {
		if d, derr := os.Open(dir); derr == nil {
			_ = d.Sync() // make the rename itself durable
			d.Close()
		}
	}
	return nil
}

// WriteBytes is Write for content already in memory.
func WriteBytes(path string, durable bool, data []byte) error {
	return Write(path, durable, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// createTemp is os.CreateTemp with mode Perm (less the umask, which the kernel applies at
// open) instead of 0600: a fresh name next to the target, opened exclusively.
func createTemp(dir, prefix string) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, Perm)
		if err == nil || !errors.Is(err, os.ErrExist) || try == 10000 {
			return f, err
		}
	}
}
