package vision

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// expectedParams counts parameters by hand: a Pattention with n tokens d_in→d_out has
// n·(d_in+d_out), so a TokenFormer block has 8·d·n_qkv + 2·d·n_ffn (arXiv 2410.23168).
func expectedParams(c Config) int {
	d := c.Dim
	front := c.Patch*c.Patch*c.Channels*d + d + d + c.SeqLen()*d // patch W+b, CLS, positions
	back := 2*d + d*c.NumClasses + c.NumClasses                  // final LN, head
	var block int
	if c.Kind == KindTokenFormer {
		block = 3*c.QKVTokens*2*d + c.ProjTokens*2*d + c.FFNTokens*2*d
	} else {
		block = 4*(d*d+d) + 2*(2*d) + d*4*d + 4*d + 4*d*d + d
	}
	return front + c.Depth*block + back
}

func TestPresetParameterCounts(t *testing.T) {
	b := goBackend(t)
	known := map[string]int{
		"vit-b16":                 86_567_656, // timm's vit_base_patch16_224
		"vit-ti16":                5_717_416,  // timm's vit_tiny_patch16_224
		"vit-s16":                 22_050_664, // timm's vit_small_patch16_224
		"tokenformer-b16-matched": 86_447_848, // ≈ 86.4M, the paper's ViT-matched model
	}
	for _, name := range PresetNames() {
		c, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		got := tracedParams(t, b, c)
		if want := expectedParams(c); got != want {
			t.Errorf("%s: built model has %d parameters, formula says %d", name, got, want)
		}
		if want, ok := known[name]; ok && got != want {
			t.Errorf("%s: %d parameters, published count %d", name, got, want)
		}
	}
}

func TestFLOPsOfViTB16MatchesTimm(t *testing.T) {
	c, _ := Preset("vit-b16")
	// timm/fvcore report 17.6 GMACs for vit_base_patch16_224.
	if g := c.FLOPs() / 2e9; math.Abs(g-17.56) > 0.05 {
		t.Errorf("vit-b16 forward = %.2f GMACs, want ≈17.56", g)
	}
}

func logitsOf(t *testing.T, c Config, seed uint64, images *tensors.Tensor) [][]float32 {
	t.Helper()
	b := goBackend(t)
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Build(b, store, seed); err != nil {
		t.Fatal(err)
	}
	exec := model.MustNewExec(b, store, func(scope *model.Scope, x *Node) *Node { return m.Logits(scope, x, false) })
	defer exec.Finalize()
	return exec.MustCall1(images).Value().([][]float32)
}

func testImages(c Config, batch int) *tensors.Tensor {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, batch, c.ImageSize, c.ImageSize, c.Channels))
	tensors.MustMutableFlatData(t, func(f []float32) {
		for i := range f {
			f[i] = float32(math.Sin(float64(i)*0.37)) * 2
		}
	})
	return t
}

func TestModelDeterministicAndSeedSensitive(t *testing.T) {
	for _, kind := range []Kind{KindTokenFormer, KindViT} {
		c := tiny(kind)
		imgs := testImages(c, 3)
		a, b2, other := logitsOf(t, c, 7, imgs), logitsOf(t, c, 7, imgs), logitsOf(t, c, 8, imgs)
		if len(a) != 3 || len(a[0]) != c.NumClasses {
			t.Fatalf("%s: logits shape %dx%d, want 3x%d", kind, len(a), len(a[0]), c.NumClasses)
		}
		same, diff := true, false
		for i := range a {
			for j := range a[i] {
				same = same && a[i][j] == b2[i][j]
				diff = diff || a[i][j] != other[i][j]
			}
		}
		if !same {
			t.Errorf("%s: same seed gave different logits: %v vs %v", kind, a, b2)
		}
		if !diff {
			t.Errorf("%s: seeds 7 and 8 gave identical logits", kind)
		}
		// Different images must give different logits (the CLS token sees the patches).
		if a[0][0] == a[1][0] && a[0][1] == a[1][1] {
			t.Errorf("%s: logits ignore the image: %v", kind, a)
		}
	}
}

func TestInitialisationStatistics(t *testing.T) {
	c, _ := Preset("tokenformer-s16")
	m, _ := New(c)
	store := model.NewStore()
	if err := m.Build(goBackend(t), store, 1); err != nil {
		t.Fatal(err)
	}
	std := func(path string) float64 {
		v := store.GetVariable(path)
		if v == nil {
			t.Fatalf("no variable %s", path)
		}
		var s, ss float64
		var n int
		tensors.MustConstFlatData(v.MustValue(), func(f []float32) {
			for _, x := range f {
				s += float64(x)
				ss += float64(x) * float64(x)
			}
			n = len(f)
		})
		mean := s / float64(n)
		return math.Sqrt(ss/float64(n) - mean*mean)
	}
	wantValue := 2 / (12 * math.Sqrt(384))
	for path, want := range map[string]float64{
		"/block_03/attn/query/key_tokens":   0.02,
		"/block_03/attn/query/value_tokens": wantValue,
		"/block_11/ffn/value_tokens":        wantValue,
		"/head/weights":                     0.02,
		"/head/bias":                        0,
	} {
		if got := std(path); math.Abs(got-want) > 0.03*want+1e-9 {
			t.Errorf("%s: std %.5f, want %.5f", path, got, want)
		}
	}
}

func TestDropPathRescalesKeptSamples(t *testing.T) {
	b := goBackend(t)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	const batch, rate = 4000, 0.3
	out := model.MustExecOnce(b, store, func(scope *model.Scope, g *Graph) *Node {
		return dropPath(scope, Ones(g, shapes.Make(dtypes.Float32, batch, 2, 3)), rate)
	}).Value().([][][]float32)
	kept := 0
	for _, s := range out {
		v := s[0][0]
		for _, row := range s {
			for _, x := range row {
				if x != v {
					t.Fatalf("a sample was partly dropped: %v", s)
				}
			}
		}
		switch {
		case v == 0:
		case math.Abs(float64(v)-1/(1-rate)) < 1e-6:
			kept++
		default:
			t.Fatalf("kept sample scaled to %v, want 1/(1-%g) = %v", v, rate, 1/(1-rate))
		}
	}
	if frac := float64(kept) / batch; math.Abs(frac-(1-rate)) > 0.03 {
		t.Errorf("kept fraction %.3f, want %.2f±0.03", frac, 1-rate)
	}
}

func TestConfigValidationNamesTheKey(t *testing.T) {
	c := tiny(KindTokenFormer)
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.ImageSize = 10 }, "model.image_size = 10 is not divisible by model.patch = 4"},
		{func(c *Config) { c.Heads = 3 }, "model.dim = 16 is not divisible by model.heads = 3"},
		{func(c *Config) { c.Norm = "l1" }, `model.norm = "l1"`},
		{func(c *Config) { c.Kind = "cnn" }, `model.kind = "cnn"`},
		{func(c *Config) { c.FFNTokens = 0 }, "model.ffn_tokens = 0"},
		{func(c *Config) { c.DropPath = 1 }, "model.drop_path = 1"},
	} {
		cc := c
		tc.mutate(&cc)
		err := cc.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got error %v, want one containing %q", err, tc.want)
		}
	}
	if _, err := Preset("vit-h14"); err == nil || !strings.Contains(err.Error(), "tokenformer-ti16") {
		t.Errorf("unknown preset error should list the presets, got %v", err)
	}
}

// TestLayerNormEpsilon: model.ln_eps defaults per kind (ViT 1e-6 everywhere as timm;
// TokenFormer 1e-5 inside blocks, 1e-6 before the head) and, when set, reaches every LN.
func TestLayerNormEpsilon(t *testing.T) {
	vit, tf := tiny(KindViT), tiny(KindTokenFormer)
	if vit.BlockLNEps() != 1e-6 || vit.FinalLNEps() != 1e-6 || tf.BlockLNEps() != 1e-5 || tf.FinalLNEps() != 1e-6 {
		t.Fatalf("defaults: vit %g/%g, tokenformer %g/%g", vit.BlockLNEps(), vit.FinalLNEps(), tf.BlockLNEps(), tf.FinalLNEps())
	}
	for _, c := range []Config{vit, tf} {
		imgs := testImages(c, 2)
		base := logitsOf(t, c, 7, imgs)
		same := c
		same.LNEps = same.BlockLNEps() // explicit default: identical function
		if got := logitsOf(t, same, 7, imgs); got[0][0] != base[0][0] && c.Kind == KindViT {
			t.Errorf("%s: ln_eps = default changed logits %v → %v", c.Kind, base[0], got[0])
		}
		big := c
		big.LNEps = 10 // large enough to move every LN's output
		if got := logitsOf(t, big, 7, imgs); got[0][0] == base[0][0] {
			t.Errorf("%s: ln_eps = 10 did not change the logits", c.Kind)
		}
	}
	bad := vit
	bad.LNEps = -1
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "ln_eps") {
		t.Errorf("negative ln_eps: %v", err)
	}
}
