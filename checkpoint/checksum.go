package checkpoint

import (
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"strconv"
	"strings"
)

// Checksums of a checkpoint: CRC32C (Castagnoli, hardware-accelerated) of every tensor's raw
// bytes, and one over the header (metadata plus every tensor's path, dtype, dims and
// checksum). They are plain strings ("crc32c:1a2b3c4d") computed from bytes alone, so any
// container format (today's gob header, safetensors' __metadata__ later) can store them.

const sumPrefix = "crc32c:"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// TensorInfo is what a checkpoint header records of one tensor: enough to check it against
// the model before reading it, and to verify its bytes after.
type TensorInfo struct {
	Path  string
	DType string // dtypes.DType.String(), e.g. "Float32"
	Dims  []int
	Sum   string // checksum of the raw bytes
}

// Digest accumulates the checksum of a stream of bytes (io.Writer).
type Digest struct{ h hash.Hash32 }

// NewDigest starts an empty checksum.
func NewDigest() *Digest { return &Digest{crc32.New(castagnoli)} }

func (d *Digest) Write(p []byte) (int, error) { return d.h.Write(p) }

// String is the checksum of everything written so far.
func (d *Digest) String() string { return fmt.Sprintf("%s%08x", sumPrefix, d.h.Sum32()) }

// SumBytes is the checksum of data.
func SumBytes(data []byte) string {
	d := NewDigest()
	d.Write(data)
	return d.String()
}

// HeaderSum covers meta and every field of every tensor entry, in order, so that a changed
// byte anywhere in a header (a dimension, a name, a stored checksum, the config) is caught.
// Each field is length-prefixed: no two different headers serialise to the same bytes.
func HeaderSum(meta []byte, tensors []TensorInfo) string {
	d := NewDigest()
	field := func(b []byte) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
		d.Write(n[:])
		d.Write(b)
	}
	field(meta)
	for _, t := range tensors {
		dims := make([]string, len(t.Dims))
		for i, x := range t.Dims {
			dims[i] = strconv.Itoa(x)
		}
		field([]byte(t.Path))
		field([]byte(t.DType))
		field([]byte(strings.Join(dims, ",")))
		field([]byte(t.Sum))
	}
	return d.String()
}
