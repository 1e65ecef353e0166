package train

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/checkpoint"
)

// legacyHeader has the field names of tfvision's gob checkpoint header (format v2, before
// safetensors): gob matches fields by name.
type legacyHeader struct {
	Magic   string
	Version int
	Meta    []byte
	Paths   []string
	Tensors []checkpoint.TensorInfo
	Sum     string
}

// rewriteAsV2 replaces a safetensors checkpoint by the .tfvckpt file an older tfvision
// would have written for the same state.
func rewriteAsV2(t *testing.T, path string) string {
	t.Helper()
	store := model.NewStore()
	meta, err := checkpoint.Load(path, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	metaJSON, _ := json.Marshal(meta)
	h := legacyHeader{Magic: "tfvision-checkpoint", Version: 2, Meta: metaJSON}
	var raw bytes.Buffer
	var vars []*model.Variable
	for v := range store.IterVariables() {
		vars = append(vars, v)
	}
	slices.SortFunc(vars, func(a, b *model.Variable) int { return strings.Compare(a.Path(), b.Path()) })
	for _, v := range vars {
		val := v.MustValue()
		info := checkpoint.TensorInfo{Path: v.Path(), DType: val.DType().String(), Dims: val.Shape().Dimensions}
		val.ConstBytes(func(b []byte) { info.Sum = checkpoint.SumBytes(b); raw.Write(b) })
		h.Paths = append(h.Paths, v.Path())
		h.Tensors = append(h.Tensors, info)
	}
	h.Sum = checkpoint.HeaderSum(h.Meta, h.Tensors)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(h); err != nil {
		t.Fatal(err)
	}
	buf.Write(raw.Bytes())
	legacy := strings.TrimSuffix(path, checkpoint.Ext) + checkpoint.LegacyExt
	if err := os.WriteFile(legacy, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	return legacy
}

// TestRunOfAnOlderVersionResumes: a run directory holding only .tfvckpt checkpoints resumes
// from its newest, the next checkpoint is safetensors, and keep_last counts both kinds.
func TestRunOfAnOlderVersionResumes(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4})
	b := goBackend(t)
	run := filepath.Join(t.TempDir(), "run")
	cfg := tinyConfig(t, data, run, "checkpoint.every_steps=1", "checkpoint.keep_last=2")
	if _, err := Run(context.Background(), Options{Config: cfg, Backend: b, StopAfter: 2}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: %v", err)
	}
	dir := filepath.Join(run, "checkpoints")
	var legacy []string
	for _, p := range mustList(t, dir) {
		legacy = append(legacy, rewriteAsV2(t, p))
	}
	var out bytes.Buffer
	sum, err := Run(context.Background(), Options{Config: cfg, Backend: b, StopAfter: 1, Out: &out})
	if !errors.Is(err, ErrInterrupted) || sum.ResumedAtStep != 2 || sum.Steps != 3 {
		t.Fatalf("resume of a .tfvckpt run: resumed at %d, ended at %d, %v\n%s", sum.ResumedAtStep, sum.Steps, err, out.String())
	}
	if !strings.Contains(out.String(), "resuming from "+legacy[len(legacy)-1]) {
		t.Errorf("output does not name the legacy checkpoint:\n%s", out.String())
	}
	var names []string
	for _, p := range mustList(t, dir) {
		names = append(names, filepath.Base(p))
	}
	if want := []string{"step-000000002.tfvckpt", "step-000000003.safetensors"}; !slices.Equal(names, want) {
		t.Errorf("checkpoints after resume: %v, want %v", names, want)
	}
}
