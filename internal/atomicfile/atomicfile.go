// Package atomicfile writes files so readers and crashes never see a partial one: the
// content goes to a temp file in the same directory, which is renamed over the target
// only once complete.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write creates the parent directory if needed, streams write's output to a temp file
// next to path and renames it into place. With durable, the file and the directory are
// fsynced so the new content survives a power cut (checkpoints); without, the write is
// only atomic (caches, exported images), which keeps bulk writes fast.
func Write(path string, durable bool, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
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
