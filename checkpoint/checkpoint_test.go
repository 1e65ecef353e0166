package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/tfvision/tfvision/label"
)

func storeWith(t *testing.T, vals map[string][]float32) *model.Store {
	t.Helper()
	s := model.NewStore()
	for p, v := range vals {
		if _, err := s.CreateVariable(p, tensors.FromValue(v)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestSaveLoadRoundTripAndMeta(t *testing.T) {
	dir := t.TempDir()
	src := storeWith(t, map[string][]float32{"/a/weights": {1, 2, 3}, "/optimizer/a/weights#m": {0.5, 0, -1}})
	if _, err := src.CreateVariable("/optimizer/step", tensors.FromScalar(int64(7))); err != nil {
		t.Fatal(err)
	}
	meta := Meta{Step: 7, Epoch: 1, EpochStep: 3, Metrics: map[string]float64{"val_top1": 55.5}, Config: "seed: 1\n",
		Classes: []label.Class{{WNID: "n01", Name: "tench"}}}
	path := filepath.Join(dir, Name(7))
	if err := Save(path, src, meta); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMeta(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Step != 7 || got.EpochStep != 3 || got.Metrics["val_top1"] != 55.5 || got.Classes[0].Name != "tench" || got.Config != "seed: 1\n" {
		t.Errorf("meta round trip: %+v", got)
	}
	dst := storeWith(t, map[string][]float32{"/a/weights": {0, 0, 0}})
	if _, err := Load(path, dst, nil); err != nil {
		t.Fatal(err)
	}
	if v := dst.GetVariable("/a/weights").MustValue().Value().([]float32); v[0] != 1 || v[2] != 3 {
		t.Errorf("loaded weights %v", v)
	}
	if v := dst.GetVariable("/optimizer/step"); v == nil || tensors.ToScalar[int64](v.MustValue()) != 7 {
		t.Errorf("step not restored")
	}
	if v := dst.GetVariable("/optimizer/a/weights#m"); v == nil || v.Trainable {
		t.Errorf("optimizer state must be restored as non-trainable: %v", v)
	}
	// A filter keeps only what it accepts.
	only := storeWith(t, map[string][]float32{"/a/weights": {0, 0, 0}})
	if _, err := Load(path, only, func(p string) bool { return !strings.HasPrefix(p, "/optimizer") }); err != nil {
		t.Fatal(err)
	}
	if only.GetVariable("/optimizer/step") != nil {
		t.Errorf("filtered load created optimizer state")
	}
	// Shape mismatch names the variable.
	bad := storeWith(t, map[string][]float32{"/a/weights": {0, 0}})
	if _, err := Load(path, bad, nil); err == nil || !strings.Contains(err.Error(), "/a/weights") {
		t.Errorf("shape mismatch error: %v", err)
	}
}

func TestTruncatedCheckpointIsAnErrorNotAPanic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, Name(1))
	if err := Save(path, storeWith(t, map[string][]float32{"/w": make([]float32, 1000)}), Meta{Step: 1}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, model.NewStore(), nil); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("want a truncation error, got %v", err)
	}
	if err := os.WriteFile(path, []byte("not a checkpoint"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMeta(path); err == nil {
		t.Errorf("garbage accepted as a checkpoint")
	}
}

func TestListLatestPruneAndNoTempLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := storeWith(t, map[string][]float32{"/w": {1}})
	for _, step := range []int64{3, 10, 1, 200} {
		if err := Save(filepath.Join(dir, Name(step)), s, Meta{Step: step}); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	latest, _ := Latest(dir)
	if filepath.Base(latest) != Name(200) {
		t.Errorf("latest = %s, want step 200 (numeric, not lexical, order)", latest)
	}
	if err := Prune(dir, 2); err != nil {
		t.Fatal(err)
	}
	all, _ := List(dir)
	if len(all) != 2 || filepath.Base(all[0]) != Name(10) {
		t.Errorf("after prune: %v, want steps 10 and 200", all)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
}
