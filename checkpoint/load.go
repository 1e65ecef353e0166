package checkpoint

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Filter selects which saved variables Load restores (nil = all).
type Filter func(path string) bool

// Expect says what a checkpoint may hold: the shape (dtype and dims) the tensor at path must
// have; ok = false marks a tensor that does not belong (an error).
type Expect func(path string) (shape shapes.Shape, ok bool)

// Load restores variables of the checkpoint at path into store: existing variables get the
// saved values (shapes must match), missing ones are created. Returns the metadata.
func Load(path string, store *model.Store, keep Filter) (Meta, error) {
	return LoadExpect(path, store, keep, nil)
}

// LoadExpect is Load that also checks every tensor of the file (kept or not) against
// expect before reading it: an unknown tensor or a wrong shape is an error naming the file
// and the tensor, raised before any memory is allocated for it. The store changes only if
// the whole file reads and verifies.
func LoadExpect(path string, store *model.Store, keep Filter, expect Expect) (Meta, error) {
	f, size, err := openCheckpoint(path)
	if err != nil {
		return Meta{}, err
	}
	defer f.Close()
	c := loadCheck{file: path, store: store, keep: keep, expect: expect}
	if isSafetensors(f, size) {
		sf, err := readSTHeader(f, path, size)
		if err != nil {
			return Meta{}, err
		}
		meta, err := stMeta(sf, path)
		if err != nil {
			return meta, err
		}
		staged, err := c.loadST(f, sf)
		if err != nil {
			return meta, err
		}
		return meta, apply(path, store, staged)
	}
	// Legacy gob formats. gob reads exactly its messages from an io.ByteReader, so after
	// the header br is at the first tensor's bytes.
	br := bufio.NewReaderSize(f, 1<<20)
	dec := gob.NewDecoder(br)
	h, err := readHeader(dec, path)
	if err != nil {
		return Meta{}, err
	}
	meta, err := decodeMeta(h, path)
	if err != nil {
		return meta, err
	}
	var staged []stagedVar
	if h.Version == versionNoChecksums {
		staged, err = c.readV1(dec, h.Paths)
	} else {
		staged, err = c.readV2(br, h.Tensors, size)
	}
	if err != nil {
		return meta, err
	}
	return meta, apply(path, store, staged)
}

type stagedVar struct {
	path string
	t    *tensors.Tensor
}

type loadCheck struct {
	file   string
	store  *model.Store
	keep   Filter
	expect Expect
}

func (c loadCheck) kept(p string) bool { return c.keep == nil || c.keep(p) }

// known fails on a tensor expect does not know.
func (c loadCheck) known(p string) error {
	if c.expect == nil {
		return nil
	}
	if _, ok := c.expect(p); !ok {
		return fmt.Errorf("checkpoint %s: unknown tensor %s: not a variable of this model or of its training state (a checkpoint of another model, or a damaged or crafted file)", c.file, p)
	}
	return nil
}

// shape checks a tensor's shape against expect and against the store's variable.
func (c loadCheck) shape(p string, s shapes.Shape) error {
	if err := c.known(p); err != nil {
		return err
	}
	if c.expect != nil {
		if want, _ := c.expect(p); !want.Equal(s) {
			return fmt.Errorf("checkpoint %s: tensor %s is %s, this model expects %s (config changed, or a damaged file)", c.file, p, s, want)
		}
	}
	if c.kept(p) {
		if v := c.store.GetVariable(p); v != nil && !v.Shape().Equal(s) {
			return fmt.Errorf("checkpoint %s: variable %s has shape %s, the model expects %s (config changed?)", c.file, p, s, v.Shape())
		}
	}
	return nil
}

// readV2 checks every header entry, then reads and verifies the raw tensor bytes.
func (c loadCheck) readV2(r io.Reader, infos []TensorInfo, fileSize int64) ([]stagedVar, error) {
	shps := make([]shapes.Shape, len(infos))
	var total int64
	for i, info := range infos {
		s, err := info.shape()
		if err != nil {
			return nil, corrupt(fmt.Errorf("checkpoint %s: tensor %s: %w", c.file, info.Path, err))
		}
		if err := c.shape(info.Path, s); err != nil {
			return nil, err
		}
		shps[i] = s
		if total += s.ByteSize(); total > fileSize {
			return nil, corrupt(fmt.Errorf("checkpoint %s: its tensors claim more bytes than the file's %d (file truncated?)", c.file, fileSize))
		}
	}
	var out []stagedVar
	for i, info := range infos {
		d := NewDigest()
		var t *tensors.Tensor
		var err error
		if c.kept(info.Path) {
			t = tensors.FromShape(shps[i])
			if merr := t.MutableBytes(func(b []byte) {
				_, err = io.ReadFull(r, b)
				d.Write(b)
			}); err == nil {
				err = merr
			}
		} else {
			_, err = io.CopyN(d, r, shps[i].ByteSize())
		}
		if err != nil {
			return nil, corrupt(fmt.Errorf("checkpoint %s: tensor %s: %w (file truncated?)", c.file, info.Path, err))
		}
		if got := d.String(); got != info.Sum {
			return nil, corrupt(fmt.Errorf("checkpoint %s: tensor %s fails its checksum (stored %s, read %s): the file is corrupt", c.file, info.Path, info.Sum, got))
		}
		if t != nil {
			out = append(out, stagedVar{info.Path, t})
		}
	}
	return out, nil
}

// readV1 reads a checkpoint written before checksums: gob-encoded tensors, shapes known only
// once decoded (gob bounds each allocation by the bytes actually in the file). Unknown
// tensors are refused from the header's path list, before any is decoded.
func (c loadCheck) readV1(dec *gob.Decoder, paths []string) ([]stagedVar, error) {
	for _, p := range paths {
		if err := c.known(p); err != nil {
			return nil, err
		}
	}
	var out []stagedVar
	for _, p := range paths {
		t, err := tensors.GobDeserialize(dec)
		if err != nil {
			return nil, corrupt(fmt.Errorf("checkpoint %s: variable %s: %w (file truncated?)", c.file, p, err))
		}
		if err := c.shape(p, t.Shape()); err != nil {
			return nil, err
		}
		if c.kept(p) {
			out = append(out, stagedVar{p, t})
		}
	}
	return out, nil
}

// shape parses an entry's dtype and dims, refusing sizes no file could hold.
func (info TensorInfo) shape() (shapes.Shape, error) {
	dt, err := dtypes.DTypeString(info.DType)
	if err != nil || dt == dtypes.InvalidDType {
		return shapes.Shape{}, fmt.Errorf("unknown dtype %q", info.DType)
	}
	n := int64(1)
	for _, d := range info.Dims {
		if d < 0 || (d > 0 && n > math.MaxInt64/16/int64(d)) {
			return shapes.Shape{}, fmt.Errorf("impossible dimensions %v", info.Dims)
		}
		n *= int64(d)
	}
	return shapes.Make(dt, info.Dims...), nil
}

// apply moves verified tensors into the store.
func apply(path string, store *model.Store, staged []stagedVar) error {
	for _, sv := range staged {
		if v := store.GetVariable(sv.path); v != nil {
			if err := v.SetValue(sv.t); err != nil {
				return fmt.Errorf("checkpoint %s: variable %s: %w", path, sv.path, err)
			}
			continue
		}
		v, err := store.CreateVariable(sv.path, sv.t)
		if err != nil {
			return fmt.Errorf("checkpoint %s: %w", path, err)
		}
		v.Trainable = IsModelWeight(sv.path)
	}
	return nil
}

// openCheckpoint opens a checkpoint file for reading and returns its size.
func openCheckpoint(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open checkpoint: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return f, st.Size(), nil
}
