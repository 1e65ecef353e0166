package checkpoint

import (
	"encoding/gob"
	"encoding/json"
	"fmt"

	"github.com/tfvision/tfvision/label"
)

// Formats v1 and v2 (".tfvckpt", before safetensors): a gob header (magic, version, JSON
// metadata, per tensor its path, dtype, dims and CRC32C, and a CRC32C of the header itself),
// then each tensor's raw bytes in header order (v2); v1 had gob-encoded tensors and no
// checksums. Read only: Save writes safetensors.
const (
	magic   = "tfvision-checkpoint"
	version = 2
	// v1 checkpoints (before checksums) still load, unverified.
	versionNoChecksums = 1
)

type header struct {
	Magic   string
	Version int
	Meta    []byte // JSON of Meta
	Paths   []string
	Tensors []TensorInfo // v2: one per path, same order
	Sum     string       // v2: HeaderSum(Meta, Tensors)
}

func readHeader(dec *gob.Decoder, path string) (header, error) {
	var h header
	if err := dec.Decode(&h); err != nil {
		return h, corrupt(fmt.Errorf("checkpoint %s: unreadable header (not a tfvision checkpoint, or truncated): %w", path, err))
	}
	if h.Magic != magic || (h.Version != version && h.Version != versionNoChecksums) {
		return h, fmt.Errorf("checkpoint %s: not a tfvision v%d checkpoint (magic %q, version %d)", path, version, h.Magic, h.Version)
	}
	if h.Version == versionNoChecksums {
		return h, nil
	}
	if got := HeaderSum(h.Meta, h.Tensors); got != h.Sum {
		return h, corrupt(fmt.Errorf("checkpoint %s: header checksum mismatch (stored %s, computed %s): the file is corrupt", path, h.Sum, got))
	}
	if len(h.Tensors) != len(h.Paths) {
		return h, corrupt(fmt.Errorf("checkpoint %s: header lists %d paths but %d tensors: the file is corrupt", path, len(h.Paths), len(h.Tensors)))
	}
	return h, nil
}

func decodeMeta(h header, path string) (Meta, error) {
	var m Meta
	if err := json.Unmarshal(h.Meta, &m); err != nil {
		return m, fmt.Errorf("checkpoint %s: bad metadata: %w", path, err)
	}
	m.Checksummed = h.Version >= version
	label.Renumber(m.Classes)
	return m, nil
}
