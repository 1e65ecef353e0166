package checkpoint

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func saveStore(t *testing.T, vals map[string][]float32, meta Meta) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), Name(meta.Step))
	if err := Save(path, storeWith(t, vals), meta); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestChecksumsCatchCorruption (issue 13 item 8): zeroed bytes inside a tensor, or one
// changed byte of the header's config, make Load fail naming the file and the tensor (or
// the header); an intact file loads and says it was verified.
func TestChecksumsCatchCorruption(t *testing.T) {
	big := make([]float32, 4000)
	for i := range big {
		big[i] = float32(i%7) + 0.5
	}
	meta := Meta{Step: 3, Config: "seed: 1\n"}
	path := saveStore(t, map[string][]float32{"/a/small": {1, 2}, "/z/big": big}, meta)
	got, err := Load(path, model.NewStore(), nil)
	if err != nil || !got.Checksummed {
		t.Fatalf("intact checkpoint: meta %+v, err %v", got, err)
	}
	data, _ := os.ReadFile(path)

	// Zero 400 bytes in the middle of /z/big, the last tensor of the file.
	bad := bytes.Clone(data)
	clear(bad[len(bad)-8000 : len(bad)-7600])
	os.WriteFile(path, bad, 0o644)
	_, err = Load(path, model.NewStore(), nil)
	if err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "tensor /z/big fails its checksum") {
		t.Errorf("zeroed weights: want a checksum error naming %s and /z/big, got %v", path, err)
	}

	// One byte of the config in the header.
	bad = bytes.Clone(data)
	i := bytes.Index(bad, []byte("seed: 1"))
	bad[i+6] = '2'
	os.WriteFile(path, bad, 0o644)
	for name, load := range map[string]func() error{
		"ReadMeta": func() error { _, err := ReadMeta(path); return err },
		"Load":     func() error { _, err := Load(path, model.NewStore(), nil); return err },
	} {
		if err := load(); err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "header checksum mismatch") || !strings.Contains(err.Error(), path) {
			t.Errorf("%s of a changed header: want a header checksum error naming the file, got %v", name, err)
		}
	}
}

// writeV1 writes a checkpoint as tfvision did before checksums (format v1).
func writeV1(t *testing.T, path string, vals map[string][]float32, meta Meta) {
	t.Helper()
	metaJSON, _ := json.Marshal(meta)
	var paths []string
	for p := range vals {
		paths = append(paths, p)
	}
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(header{Magic: magic, Version: 1, Meta: metaJSON, Paths: paths}); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if err := tensors.FromValue(vals[p]).GobSerialize(enc); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOldCheckpointsLoadUnverified: v1 files (no checksums) still load, flagged unverified.
func TestOldCheckpointsLoadUnverified(t *testing.T) {
	path := filepath.Join(t.TempDir(), "step-000000002"+LegacyExt)
	writeV1(t, path, map[string][]float32{"/w": {4, 5, 6}}, Meta{Step: 2})
	store := model.NewStore()
	meta, err := Load(path, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Checksummed || meta.Step != 2 {
		t.Errorf("v1 meta %+v: want Step 2, Checksummed false", meta)
	}
	if v := store.GetVariable("/w").MustValue().Value().([]float32); v[2] != 6 {
		t.Errorf("v1 values %v", v)
	}
}

// craftV2 writes a v2 file whose header claims the given tensors (with a valid header
// checksum, as a crafted file would have) but holds no tensor bytes.
func craftV2(t *testing.T, infos []TensorInfo) string {
	t.Helper()
	h := header{Magic: magic, Version: version, Meta: []byte(`{"step":1}`), Tensors: infos}
	for _, in := range infos {
		h.Paths = append(h.Paths, in.Path)
	}
	h.Sum = HeaderSum(h.Meta, h.Tensors)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(h); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "step-000000001"+LegacyExt)
	os.WriteFile(path, buf.Bytes(), 0o644)
	return path
}

// TestLoadExpectRefusesUnknownAndMisshapen (issue 13 item 10): every tensor is checked
// against what the model and its optimizer expect before anything is allocated.
func TestLoadExpectRefusesUnknownAndMisshapen(t *testing.T) {
	modelStore := func() *model.Store {
		return storeWith(t, map[string][]float32{"/w": {0, 0, 0, 0, 0, 0}})
	}
	cases := []struct {
		name string
		path string
		want string
	}{
		{"extra tensor", saveStore(t, map[string][]float32{"/w": make([]float32, 6), "/extra": {1}}, Meta{Step: 1}),
			"unknown tensor /extra"},
		{"misshapen optimizer state", saveStore(t, map[string][]float32{"/w": make([]float32, 6), "/optimizer/w#m": {1, 2}}, Meta{Step: 1}),
			"tensor /optimizer/w#m is (Float32)[2], this model expects (Float32)[6]"},
		{"unknown optimizer state", saveStore(t, map[string][]float32{"/w": make([]float32, 6), "/optimizer/other#v": {1}}, Meta{Step: 1}),
			"unknown tensor /optimizer/other#v"},
		// 40 GB claimed by a crafted header: refused before allocating.
		{"huge unknown tensor", craftV2(t, []TensorInfo{{Path: "/huge", DType: "Float32", Dims: []int{100000, 100000}, Sum: "crc32c:00000000"}}),
			"unknown tensor /huge"},
		{"huge known tensor", craftV2(t, []TensorInfo{{Path: "/w", DType: "Float32", Dims: []int{100000, 100000}, Sum: "crc32c:00000000"}}),
			"tensor /w is (Float32)[100000, 100000], this model expects (Float32)[6]"},
		{"huge EMA tensor", craftV2(t, []TensorInfo{{Path: "/ema/w", DType: "Float32", Dims: []int{100000, 100000}, Sum: "crc32c:00000000"}}),
			"tensor /ema/w is"},
	}
	for _, c := range cases {
		store := modelStore()
		_, err := LoadExpect(c.path, store, nil, ExpectFor(store))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) || errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: want an error (not ErrCorrupt) naming %s and containing %q, got %v", c.name, c.path, c.want, err)
		}
		if v := store.GetVariable("/w").MustValue().Value().([]float32); v[0] != 0 {
			t.Errorf("%s: a refused checkpoint changed the store", c.name)
		}
	}
	// What the model and its training state hold loads.
	ok := saveStore(t, map[string][]float32{"/w": {1, 2, 3, 4, 5, 6}, "/optimizer/w#m": make([]float32, 6), "/ema/w": make([]float32, 6)}, Meta{Step: 1})
	store := modelStore()
	if _, err := LoadExpect(ok, store, nil, ExpectFor(store)); err != nil {
		t.Fatalf("a checkpoint of the model itself: %v", err)
	}
	if v := store.GetVariable("/w").MustValue().Value().([]float32); v[5] != 6 {
		t.Errorf("loaded %v", v)
	}
}
