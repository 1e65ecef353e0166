// Package checkpoint saves and restores every variable of a GoMLX store (model weights,
// optimizer moments, EMA, RNG state, step) in one file per checkpoint, written atomically:
// a temp file in the same directory, fsynced, then renamed, so a crash never leaves a
// broken "latest" checkpoint behind.
//
// Format v2 (today's): a gob header (magic, version, JSON metadata, per tensor its path,
// dtype, dims and CRC32C, and a CRC32C of the header itself), then each tensor's raw bytes
// in header order. Load checks every tensor's shape before allocating it and verifies every
// checksum. v1 files (gob-encoded tensors, no checksums) still load, unverified.
package checkpoint

import (
	"io"

	"bufio"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tfvision/tfvision/internal/atomicfile"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

const (
	magic   = "tfvision-checkpoint"
	version = 2
	// v1 checkpoints (before checksums) still load, unverified.
	versionNoChecksums = 1
	// Ext is the checkpoint file extension.
	Ext = ".tfvckpt"
	// BestName is the file holding the best checkpoint by validation top-1.
	BestName = "best" + Ext
)

// Scopes of training state, saved beside the model weights: Adam moments, step count and
// gradient-accumulation buffers under OptimizerScope, the weights' EMA under EMAScope.
const (
	OptimizerScope = "/optimizer"
	EMAScope       = "/ema"
)

// IsModelWeight reports whether a saved variable is a weight of the network itself rather
// than training state (optimizer, EMA, RNG). Use it as a Load filter to take weights only.
func IsModelWeight(path string) bool {
	return !strings.HasPrefix(path, OptimizerScope+"/") && !strings.HasPrefix(path, EMAScope+"/") &&
		path != "/"+model.RNGStateVariableName
}

// Meta describes a checkpoint; it is stored in the file's header and readable alone.
type Meta struct {
	Step      int64              `json:"step"`
	Epoch     int                `json:"epoch"`
	EpochStep int                `json:"epoch_step"` // next step within Epoch (data order resume point)
	Metrics   map[string]float64 `json:"metrics,omitempty"`
	Config    string             `json:"config,omitempty"`  // the run's YAML, so the file alone rebuilds the model
	Classes   []Class            `json:"classes,omitempty"` // label index → class, for predict
	// EpochLossSum and EpochLossSteps are the running sum of step losses (and their count)
	// of Epoch so far, so that a resumed epoch reports the mean over all its steps.
	EpochLossSum   float64 `json:"epoch_loss_sum,omitempty"`
	EpochLossSteps int     `json:"epoch_loss_steps,omitempty"`

	// Checksummed is set when reading: the file carries checksums (v2) and they were
	// verified (the header's by ReadMeta, every tensor's too by Load). False for v1 files.
	Checksummed bool `json:"-"`
}

// Class names a label index.
type Class struct {
	WNID string `json:"wnid,omitempty"`
	Name string `json:"name"`
}

type header struct {
	Magic   string
	Version int
	Meta    []byte // JSON of Meta
	Paths   []string
	Tensors []TensorInfo // v2: one per path, same order
	Sum     string       // v2: HeaderSum(Meta, Tensors)
}

// Save writes every variable of store that holds a value, with meta, to path atomically.
func Save(path string, store *model.Store, meta Meta) error {
	var vars []*model.Variable
	for v := range store.IterVariables() {
		if v.HasValue() {
			vars = append(vars, v)
		}
	}
	slices.SortFunc(vars, func(a, b *model.Variable) int { return strings.Compare(a.Path(), b.Path()) })
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	h := header{Magic: magic, Version: version, Meta: metaJSON}
	values := make([]*tensors.Tensor, len(vars))
	for i, v := range vars {
		if values[i], err = v.Value(); err != nil {
			return fmt.Errorf("checkpoint %s: variable %s: %w", path, v.Path(), err)
		}
		info := TensorInfo{Path: v.Path(), DType: values[i].DType().String(), Dims: values[i].Shape().Dimensions}
		if err := values[i].ConstBytes(func(b []byte) { info.Sum = SumBytes(b) }); err != nil {
			return fmt.Errorf("checkpoint %s: variable %s: %w", path, v.Path(), err)
		}
		h.Paths = append(h.Paths, v.Path())
		h.Tensors = append(h.Tensors, info)
	}
	h.Sum = HeaderSum(h.Meta, h.Tensors)
	// Durable: a checkpoint must survive a crash or power cut right after it is reported.
	return atomicfile.Write(path, true, func(w io.Writer) error {
		if err := gob.NewEncoder(w).Encode(h); err != nil {
			return err
		}
		for i, t := range values {
			var werr error
			err := t.ConstBytes(func(b []byte) { _, werr = w.Write(b) })
			if err == nil {
				err = werr
			}
			if err != nil {
				return fmt.Errorf("variable %s: %w", vars[i].Path(), err)
			}
		}
		return nil
	})
}

// ReadMeta reads only the header of a checkpoint.
func ReadMeta(path string) (Meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return Meta{}, fmt.Errorf("open checkpoint: %w", err)
	}
	defer f.Close()
	h, err := readHeader(gob.NewDecoder(bufio.NewReader(f)), path)
	if err != nil {
		return Meta{}, err
	}
	return decodeMeta(h, path)
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
	return m, nil
}

// Name is the file name of the checkpoint at step.
func Name(step int64) string { return fmt.Sprintf("step-%09d%s", step, Ext) }

// List returns the step checkpoints in dir, oldest first.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type ck struct {
		path string
		step int64
	}
	var cks []ck
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "step-") || !strings.HasSuffix(name, Ext) {
			continue
		}
		step, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(name, "step-"), Ext), 10, 64)
		if err != nil {
			continue
		}
		cks = append(cks, ck{filepath.Join(dir, name), step})
	}
	slices.SortFunc(cks, func(a, b ck) int { return int(a.step - b.step) })
	out := make([]string, len(cks))
	for i, c := range cks {
		out[i] = c.path
	}
	return out, nil
}

// Latest returns the newest step checkpoint in dir ("" if none).
func Latest(dir string) (string, error) {
	all, err := List(dir)
	if err != nil || len(all) == 0 {
		return "", err
	}
	return all[len(all)-1], nil
}

// Prune deletes all but the newest keep step checkpoints.
func Prune(dir string, keep int) error {
	all, err := List(dir)
	if err != nil {
		return err
	}
	for i := 0; i < len(all)-keep; i++ {
		if err := os.Remove(all[i]); err != nil {
			return fmt.Errorf("prune checkpoint: %w", err)
		}
	}
	return nil
}

// Orphans lists the temp files a killed checkpoint write leaves in dir
// (".step-*.tfvckpt.tmp*", ".best.tfvckpt.tmp*"). Only a process holding the run's lock may
// delete them: another one could be writing.
func Orphans(dir string) ([]string, error) {
	var out []string
	for _, pattern := range []string{".step-*" + Ext + ".tmp*", "." + BestName + ".tmp*"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
	}
	return out, nil
}
