package checkpoint

import (
	"bufio"
	"cmp"
	"io"

	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tfvision/tfvision/internal/atomicfile"
	"github.com/tfvision/tfvision/label"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

const (
	// Ext is the checkpoint file extension.
	Ext = ".safetensors"
	// BestName is the file holding the best checkpoint by validation top-1.
	BestName = "best" + Ext
	// LegacyExt is the extension of checkpoints written before safetensors (format v1/v2);
	// they are still listed, resumed from and loaded.
	LegacyExt = ".tfvckpt"
	// LegacyBestName is BestName of those runs.
	LegacyBestName = "best" + LegacyExt
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
	Classes   []label.Class      `json:"classes,omitempty"` // label index → class, for predict
	// EpochLossSum and EpochLossSteps are the running sum of step losses (and their count)
	// of Epoch so far, so that a resumed epoch reports the mean over all its steps.
	EpochLossSum   float64 `json:"epoch_loss_sum,omitempty"`
	EpochLossSteps int     `json:"epoch_loss_steps,omitempty"`

	// Checksummed is set when reading: the file carries checksums (v2) and they were
	// verified (the header's by ReadMeta, every tensor's too by Load). False for v1 files.
	Checksummed bool `json:"-"`
}

// Save writes every variable of store that holds a value, with meta, to path atomically,
// as a safetensors file (format v3).
func Save(path string, store *model.Store, meta Meta) error {
	var names []string
	var values []*tensors.Tensor
	for v := range store.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("checkpoint %s: variable %s: %w", path, v.Path(), err)
		}
		names = append(names, v.Path())
		values = append(values, t)
	}
	md, err := metaStrings(meta)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	// Durable: a checkpoint must survive a crash or power cut right after it is reported.
	return atomicfile.Write(path, true, func(w io.Writer) error {
		return writeSafetensors(w, names, values, md)
	})
}

// ReadMeta reads only the header of a checkpoint (verifying its checksum where it has one).
func ReadMeta(path string) (Meta, error) {
	f, size, err := openCheckpoint(path)
	if err != nil {
		return Meta{}, err
	}
	defer f.Close()
	if isSafetensors(f, size) {
		sf, err := readSTHeader(f, path, size)
		if err != nil {
			return Meta{}, err
		}
		return stMeta(sf, path)
	}
	h, err := readHeader(gob.NewDecoder(bufio.NewReader(f)), path)
	if err != nil {
		return Meta{}, err
	}
	return decodeMeta(h, path)
}

func stMeta(sf stFile, path string) (Meta, error) {
	m, err := parseMetaStrings(sf.meta)
	if err != nil {
		return m, corrupt(fmt.Errorf("checkpoint %s: %w", path, err))
	}
	return m, nil
}

// Name is the file name of the checkpoint at step.
func Name(step int64) string { return fmt.Sprintf("step-%09d%s", step, Ext) }

// stepOf parses a step checkpoint's file name (either extension).
func stepOf(name string) (int64, bool) {
	rest, ok := strings.CutPrefix(name, "step-")
	if !ok {
		return 0, false
	}
	for _, ext := range []string{Ext, LegacyExt} {
		if num, ok := strings.CutSuffix(rest, ext); ok {
			step, err := strconv.ParseInt(num, 10, 64)
			return step, err == nil
		}
	}
	return 0, false
}

// Best is the best checkpoint of dir, "" if none: BestName, else a legacy LegacyBestName.
func Best(dir string) string {
	for _, name := range []string{BestName, LegacyBestName} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }

// List returns the step checkpoints in dir (step-*.safetensors, and legacy
// step-*.tfvckpt), oldest first.
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
		step, ok := stepOf(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		cks = append(cks, ck{filepath.Join(dir, e.Name()), step})
	}
	// By step; at equal steps a legacy file counts as the older one.
	slices.SortFunc(cks, func(a, b ck) int {
		if a.step != b.step {
			return cmp.Compare(a.step, b.step)
		}
		legacy := func(p string) int {
			if strings.HasSuffix(p, LegacyExt) {
				return 0
			}
			return 1
		}
		return cmp.Compare(legacy(a.path), legacy(b.path))
	})
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
// (".step-*.safetensors.tmp*", ".best.safetensors.tmp*", and the same of legacy .tfvckpt
// writes). Only a process holding the run's lock may delete them: another one could be
// writing.
func Orphans(dir string) ([]string, error) {
	var out []string
	for _, pattern := range []string{".step-*" + Ext + ".tmp*", "." + BestName + ".tmp*",
		".step-*" + LegacyExt + ".tmp*", "." + LegacyBestName + ".tmp*"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
	}
	return out, nil
}
