package vision

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/fakefused"
)

func TestAttentionPathResolution(t *testing.T) {
	plain := goBackend(t)
	fused := fakefused.New(plain)
	c := tiny(KindViT) // head_dim 16/2 = 8
	odd := c
	odd.Dim, odd.Heads = 18, 3 // head_dim 6: not a multiple of 8
	cases := []struct {
		name    string
		b       compute.Backend
		cfg     Config
		dt      dtypes.DType
		ask     Attention
		want    Attention
		errHas  string
		whyHas  string
		fusedOK bool
	}{
		{"go auto", plain, c, dtypes.BFloat16, AttentionAuto, AttentionDecomposed, "", "no fused attention", false},
		{"go empty", plain, c, dtypes.BFloat16, "", AttentionDecomposed, "", "", false},
		{"go fused", plain, c, dtypes.BFloat16, AttentionFused, "", "no fused attention", "", false},
		{"cuda-like bf16 auto", fused, c, dtypes.BFloat16, AttentionAuto, AttentionFused, "", "", true},
		{"cuda-like f32 auto", fused, c, dtypes.Float32, AttentionAuto, AttentionDecomposed, "", "precision bf16", false},
		{"cuda-like f32 fused", fused, c, dtypes.Float32, AttentionFused, "", "precision bf16", "", false},
		{"cuda-like odd head", fused, odd, dtypes.BFloat16, AttentionAuto, AttentionDecomposed, "", "multiple of 8", false},
		{"cuda-like decomposed", fused, c, dtypes.BFloat16, AttentionDecomposed, AttentionDecomposed, "", "", true},
	}
	for _, tc := range cases {
		m, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		m.DType, m.Attention = tc.dt, tc.ask
		got, err := m.AttentionPath(tc.b)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.errHas)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: AttentionPath = %q, %v; want %q", tc.name, got, err, tc.want)
		}
		ok, why := FusedAttention(tc.b, tc.cfg, tc.dt)
		if ok != tc.fusedOK || !strings.Contains(why, tc.whyHas) {
			t.Errorf("%s: FusedAttention = %v, %q; want %v and a reason containing %q", tc.name, ok, why, tc.fusedOK, tc.whyHas)
		}
	}
	for _, s := range []string{"", "auto", "fused", "decomposed"} {
		if _, err := ParseAttention(s); err != nil {
			t.Errorf("ParseAttention(%q): %v", s, err)
		}
	}
	if _, err := ParseAttention("flash"); err == nil || !strings.Contains(err.Error(), "auto, fused, decomposed") {
		t.Errorf("ParseAttention(flash) = %v, want the allowed values listed", err)
	}
}

// lossAndGrads runs m (bf16) on b: the logits, and the gradients of a fixed weighted sum
// of them with respect to every trainable variable, keyed by path.
func lossAndGrads(t *testing.T, b compute.Backend, m *Model, images *tensors.Tensor) ([][]float32, map[string][]float32) {
	t.Helper()
	store := model.NewStore()
	if err := m.Build(b, store, 7); err != nil {
		t.Fatal(err)
	}
	if fb, ok := b.(*fakefused.Backend); ok { // count only the graph below, not Build's trace
		fb.Fwd.Store(0)
		fb.VJP.Store(0)
	}
	var paths []string
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *Node) []*Node {
		g := x.Graph()
		logits := m.Logits(scope, x, true)
		w := IotaFull(g, logits.Shape())
		loss := ReduceAllSum(Mul(logits, Cos(MulScalar(w, 0.7))))
		var nodes []*Node
		for v := range store.IterVariables() {
			if v.Trainable && v.InUseByGraph(g) {
				paths = append(paths, v.Path())
				nodes = append(nodes, v.NodeValue(g))
			}
		}
		return append([]*Node{logits}, Gradient(loss, nodes...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	outs, err := exec.Call(images)
	if err != nil {
		t.Fatal(err)
	}
	grads := map[string][]float32{}
	for i, p := range paths {
		grads[p] = tensors.MustCopyFlatData[float32](outs[i+1])
	}
	return outs[0].Value().([][]float32), grads
}

// TestFusedAttentionPathMatchesDecomposed builds both kinds in bf16 on a backend that offers
// fused attention (the path XLA-CUDA takes) and on the plain Go backend (decomposed), with
// the same weights, plus a float32 reference: the fused path's logits and each parameter's
// gradient must be as close to the reference as the decomposed bf16 path's (within 3×), and
// the fused op and its VJP must each have been used once per block.
func TestFusedAttentionPathMatchesDecomposed(t *testing.T) {
	plain := goBackend(t)
	for _, kind := range []Kind{KindTokenFormer, KindViT} {
		c := tiny(kind)
		fb := fakefused.New(plain)
		mf, _ := New(c)
		mf.DType = dtypes.BFloat16
		fl, fg := lossAndGrads(t, fb, mf, testImages(c, 3)) // a tensor belongs to one backend
		if fb.Fwd.Load() != int64(c.Depth) || fb.VJP.Load() != int64(c.Depth) {
			t.Fatalf("%s: fused forward/VJP built %d/%d times, want %d each", kind, fb.Fwd.Load(), fb.VJP.Load(), c.Depth)
		}
		md, _ := New(c)
		md.DType = dtypes.BFloat16
		dl, dg := lossAndGrads(t, plain, md, testImages(c, 3))

		mr, _ := New(c)
		rl, rg := lossAndGrads(t, plain, mr, testImages(c, 3)) // float32 reference

		var ef, ed, maxAbs float64
		for i := range rl {
			for j := range rl[i] {
				ef = math.Max(ef, math.Abs(float64(fl[i][j]-rl[i][j])))
				ed = math.Max(ed, math.Abs(float64(dl[i][j]-rl[i][j])))
				maxAbs = math.Max(maxAbs, math.Abs(float64(rl[i][j])))
			}
		}
		// bf16 is the noise floor: the fused path may not be much worse than the decomposed
		// one at the same precision (on these inputs its worst ratio is 2.32, for a gradient).
		if ef > 3*ed+1e-3*maxAbs {
			t.Errorf("%s: fused logits off by %.3g, decomposed bf16 by %.3g (max |logit| %.3g)", kind, ef, ed, maxAbs)
		}
		t.Logf("%s logits: max |err| fused %.3g, decomposed bf16 %.3g (max |logit| %.3g)", kind, ef, ed, maxAbs)
		var total float64
		for _, g := range rg {
			for _, x := range g {
				total += float64(x) * float64(x)
			}
		}
		var worst float64
		var worstVar string
		for p, r := range rg {
			f, d := fg[p], dg[p]
			var sf, sd, sr float64
			for i := range r {
				sf += sq(f[i] - r[i])
				sd += sq(d[i] - r[i])
				sr += sq(r[i])
			}
			if sd > 0 && math.Sqrt(sf/sd) > worst {
				worst, worstVar = math.Sqrt(sf/sd), p
			}
			// The key bias has an exactly zero true gradient (softmax ignores a per-row shift):
			// the absolute floor keeps its rounding noise from deciding the test.
			if math.Sqrt(sf) > 3*math.Sqrt(sd)+1e-4*math.Sqrt(total) {
				t.Errorf("%s: gradient of %s off by %.3g on the fused path, %.3g decomposed (|grad| %.3g)",
					kind, p, math.Sqrt(sf), math.Sqrt(sd), math.Sqrt(sr))
			}
		}
		t.Logf("%s gradients: worst fused/decomposed error ratio %.2f (%s)", kind, worst, worstVar)
	}
}

func sq(x float32) float64 { return float64(x) * float64(x) }
