package vision

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func trainedTiny(t *testing.T) (Config, *model.Store) {
	t.Helper()
	c := tiny(KindTokenFormer)
	m, _ := New(c)
	store := model.NewStore()
	if err := m.Build(goBackend(t), store, 3); err != nil {
		t.Fatal(err)
	}
	return c, store
}

func logitsWith(t *testing.T, c Config, store *model.Store, images *tensors.Tensor) [][]float32 {
	t.Helper()
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	exec := model.MustNewExec(goBackend(t), store, func(scope *model.Scope, x *Node) *Node { return m.Logits(scope, x, false) })
	defer exec.Finalize()
	return exec.MustCall1(images).Value().([][]float32)
}

// TestGrowKeepZoomPreservesTheFunction: zero new keys + √n held at the old counts gives the
// same logits (to float32 rounding, 1e-5); without --keep-zoom they change.
func TestGrowKeepZoomPreservesTheFunction(t *testing.T) {
	c, store := trainedTiny(t)
	images := testImages(c, 3)
	before := logitsWith(t, c, store, images)
	grown, err := Grow(store, c, GrowOptions{QKVTokens: 20, ProjTokens: 15, FFNTokens: 40, KeepZoom: true, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if grown.QKVTokens != 20 || grown.ProjTokens != 15 || grown.FFNTokens != 40 {
		t.Fatalf("grown config %+v", grown)
	}
	if grown.QKVZoom != 12 || grown.ProjZoom != 10 || grown.FFNZoom != 24 {
		t.Errorf("zooms %g/%g/%g, want the old counts 12/10/24", grown.QKVZoom, grown.ProjZoom, grown.FFNZoom)
	}
	if v := store.GetVariable("/block_01/ffn/value_tokens"); v.Shape().Dimensions[0] != 40 {
		t.Fatalf("ffn value tokens not grown: %s", v.Shape())
	}
	keys := store.GetVariable("/block_00/attn/query/key_tokens").MustValue().Value().([][]float32)
	for i := 12; i < 20; i++ {
		for _, x := range keys[i] {
			if x != 0 {
				t.Fatalf("new key token %d is not zero: %v", i, keys[i])
			}
		}
	}
	vals := store.GetVariable("/block_00/attn/query/value_tokens").MustValue().Value().([][]float32)
	nonzero := 0
	for i := 12; i < 20; i++ {
		for _, x := range vals[i] {
			if x != 0 {
				nonzero++
			}
		}
	}
	if nonzero == 0 {
		t.Fatalf("new value tokens are all zero")
	}
	after := logitsWith(t, grown, store, images)
	for i := range before {
		for j := range before[i] {
			if d := math.Abs(float64(after[i][j] - before[i][j])); d > 1e-5 {
				t.Errorf("logit[%d][%d]: %.7f before, %.7f after growing with --keep-zoom", i, j, before[i][j], after[i][j])
			}
		}
	}
	noZoom := grown
	noZoom.QKVZoom, noZoom.ProjZoom, noZoom.FFNZoom = 0, 0, 0
	changed := logitsWith(t, noZoom, store, images)
	if math.Abs(float64(changed[0][0]-before[0][0])) < 1e-6 {
		t.Errorf("without keep-zoom the output should shift (√n changes), but logit[0][0] stayed %.7f", before[0][0])
	}
}

// TestGrownTokensLearn: on the first backward pass new keys get non-zero gradients (their
// scores feed Θ through GELU'(0) = ½ and meet non-zero new values); new values get exactly
// zero there — Θ of a zero key is GELU(0) = 0 — and non-zero ones once the keys moved.
func TestGrownTokensLearn(t *testing.T) {
	c, store := trainedTiny(t)
	grown, err := Grow(store, c, GrowOptions{QKVTokens: 16, FFNTokens: 32, KeepZoom: true, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := New(grown)
	images := testImages(grown, 4)
	labels := tensors.FromValue([]int32{0, 1, 2, 3})
	const path = "/block_00/ffn/"
	gradNorms := func() (newKey, newVal float64) {
		kv, vv := store.GetVariable(path+"key_tokens"), store.GetVariable(path+"value_tokens")
		outs := model.MustExecOnceN(goBackend(t), store, func(scope *model.Scope, x, y *Node) []*Node {
			g := x.Graph()
			logits := m.Logits(scope, x, false)
			loss := ReduceAllMean(Neg(ReduceSum(Mul(OneHot(y, grown.NumClasses, dtypes.Float32), LogSoftmax(logits, -1)), -1)))
			grads := Gradient(loss, kv.NodeValue(g), vv.NodeValue(g))
			return []*Node{grads[0], grads[1]}
		}, images, labels)
		sum := func(t *tensors.Tensor) float64 {
			s := 0.0
			for _, row := range t.Value().([][]float32)[24:] {
				for _, x := range row {
					s += float64(x) * float64(x)
				}
			}
			return math.Sqrt(s)
		}
		return sum(outs[0]), sum(outs[1])
	}
	k1, v1 := gradNorms()
	if k1 == 0 {
		t.Errorf("new key tokens got a zero gradient on the first step")
	}
	if v1 != 0 {
		t.Errorf("new value tokens got gradient %g on the first step; Θ of zero keys is 0, so it must be exactly 0", v1)
	}
	// One SGD step on the new keys, then the new values learn too.
	kv := store.GetVariable(path + "key_tokens")
	keys := kv.MustValue().Value().([][]float32)
	for i := 24; i < 32; i++ {
		for j := range keys[i] {
			keys[i][j] = 0.05 * float32(math.Sin(float64(i*7+j)))
		}
	}
	kv.MustSetValue(tensors.FromValue(keys))
	_, v2 := gradNorms()
	if v2 == 0 {
		t.Errorf("after the keys moved, new value tokens still get no gradient")
	}
	if _, err := Grow(store, grown, GrowOptions{QKVTokens: 8}); err == nil || !strings.Contains(err.Error(), "never removes") {
		t.Errorf("shrinking must be refused, got %v", err)
	}
}

// TestGrowKeepZoomRefusesSoftmax: with model.norm softmax a zero new key still scores
// softmax(0) > 0, so --keep-zoom cannot keep the function (the logits moved by 40-112%);
// Grow must refuse it, name the flag and the norm, and leave the store untouched. Without
// --keep-zoom (no preservation promised) softmax models still grow.
func TestGrowKeepZoomRefusesSoftmax(t *testing.T) {
	c := tiny(KindTokenFormer)
	c.Norm = NormSoftmax
	m, _ := New(c)
	store := model.NewStore()
	if err := m.Build(goBackend(t), store, 3); err != nil {
		t.Fatal(err)
	}
	_, err := Grow(store, c, GrowOptions{FFNTokens: 40, KeepZoom: true, Seed: 9})
	if err == nil || !strings.Contains(err.Error(), "--keep-zoom") || !strings.Contains(err.Error(), "softmax") {
		t.Fatalf("grow --keep-zoom of a softmax model: want an error naming --keep-zoom and softmax, got %v", err)
	}
	if v := store.GetVariable("/block_01/ffn/value_tokens"); v.Shape().Dimensions[0] != 24 {
		t.Fatalf("refused grow still changed the store: %s", v.Shape())
	}
	images := testImages(c, 3)
	before := logitsWith(t, c, store, images)
	grown, err := Grow(store, c, GrowOptions{FFNTokens: 40, Seed: 9})
	if err != nil || grown.FFNTokens != 40 {
		t.Fatalf("grow of a softmax model without --keep-zoom: %+v, %v", grown, err)
	}
	// Why it is refused: even with the zoom held by hand at the old count, the output moves.
	grown.FFNZoom = 24
	after := logitsWith(t, grown, store, images)
	maxRel := 0.0
	for i := range before {
		for j := range before[i] {
			maxRel = max(maxRel, math.Abs(float64(after[i][j]-before[i][j]))/math.Abs(float64(before[i][j])))
		}
	}
	t.Logf("softmax, zoom held: max relative logit change %.1f%%", 100*maxRel)
	if maxRel < 1e-3 {
		t.Errorf("softmax growth with the zoom held kept the logits (max relative change %g): the refusal would be needless", maxRel)
	}
}
