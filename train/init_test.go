package train

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/vision"
)

func varData(t *testing.T, store *model.Store, path string) []float32 {
	t.Helper()
	v := store.GetVariable(path)
	if v == nil || !v.HasValue() {
		t.Fatalf("%s has no value", path)
	}
	var out []float32
	tensors.MustConstFlatData(v.MustValue(), func(f []float32) { out = append(out, f...) })
	return out
}

// TestInitWeightsNewHeadAndResolution: --init into a model with other num_classes and
// image_size keeps every other weight, leaves the head for a fresh init and resamples the
// position embedding (CLS row unchanged); other shape changes are refused, listed.
func TestInitWeightsNewHeadAndResolution(t *testing.T) {
	b := goBackend(t)
	src := vision.Config{Kind: vision.KindViT, ImageSize: 8, Patch: 4, Channels: 3, Dim: 16, Depth: 2, Heads: 2, NumClasses: 5}
	m, _ := vision.New(src)
	store := model.NewStore()
	if err := m.Build(b, store, 3); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(t.TempDir(), checkpoint.Name(0))
	if err := checkpoint.Save(ck, store, checkpoint.Meta{}); err != nil {
		t.Fatal(err)
	}

	dst := src
	dst.ImageSize, dst.NumClasses = 16, 3
	m2, _ := vision.New(dst)
	s2 := model.NewStore()
	if err := m2.Trace(b, s2); err != nil {
		t.Fatal(err)
	}
	notes, err := InitWeights(ck, s2, dst)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(notes, "\n")
	if len(notes) != 2 || !strings.Contains(joined, "5 classes, model.num_classes = 3: the head starts fresh") ||
		!strings.Contains(joined, "from a 2×2 to a 4×4 patch grid") {
		t.Errorf("notes:\n%s", joined)
	}
	for _, p := range []string{"/head/weights", "/head/bias"} {
		if s2.GetVariable(p).HasValue() {
			t.Errorf("%s was loaded, want it left for a fresh init", p)
		}
	}
	a, c := varData(t, store, "/block_01/mlp/fc1/weights"), varData(t, s2, "/block_01/mlp/fc1/weights")
	if a[7] != c[7] || len(a) != len(c) {
		t.Error("block weights not carried over")
	}
	pa, pc := varData(t, store, "/pos_embed"), varData(t, s2, "/pos_embed")
	if len(pc) != 17*16 || pa[0] != pc[0] || pa[15] != pc[15] {
		t.Errorf("pos_embed: %d values; CLS row %v → %v", len(pc), pa[:2], pc[:2])
	}
	if err := m2.Build(b, s2, 1); err != nil { // the fresh head
		t.Fatal(err)
	}

	other := src
	other.Dim, other.Heads = 32, 2
	m3, _ := vision.New(other)
	s3 := model.NewStore()
	if err := m3.Trace(b, s3); err != nil {
		t.Fatal(err)
	}
	_, err = InitWeights(ck, s3, other)
	if err == nil || !strings.Contains(err.Error(), "/block_00/attn/query/weights is [16 16] in the checkpoint, [32 32] in this model") {
		t.Errorf("dim change: %v", err)
	}
}
