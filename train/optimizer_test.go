package train

import (
	"math"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/livevars"
	"github.com/tfvision/tfvision/internal/testbackend"
)

func goBackend(t testing.TB) compute.Backend { t.Helper(); return testbackend.Go(t) }

// adamRef is torch.optim.AdamW written out in float64 for one parameter vector.
type adamRef struct {
	p, m, v []float64
	t       int
}

func (a *adamRef) step(g []float64, lr, b1, b2, eps, wd float64) {
	a.t++
	c1, c2 := 1-math.Pow(b1, float64(a.t)), 1-math.Pow(b2, float64(a.t))
	for i := range a.p {
		a.p[i] *= 1 - lr*wd
		a.m[i] = b1*a.m[i] + (1-b1)*g[i]
		a.v[i] = b2*a.v[i] + (1-b2)*g[i]*g[i]
		a.p[i] -= lr * (a.m[i] / c1) / (math.Sqrt(a.v[i]/c2) + eps)
	}
}

func TestAdamWMatchesHandComputedUpdateAndSkipsNoDecayGroups(t *testing.T) {
	b := goBackend(t)
	store := model.NewStore()
	paths := []string{"/blk/attn/query/key_tokens", "/blk/attn/query/bias", "/norm/gamma", "/cls", "/pos_embed", "/head/weights"}
	init := [][]float64{{1, -2, 0.5}, {0.3, 0.2, -0.1}, {1, 1, 1}, {0.01, -0.01, 0}, {0.2, 0.4, -0.6}, {-1, 2, 3}}
	refs := make([]*adamRef, len(paths))
	for i, p := range paths {
		v32 := make([]float32, 3)
		for j := range v32 {
			v32[j] = float32(init[i][j])
		}
		if _, err := store.CreateVariable(p, tensors.FromValue(v32)); err != nil {
			t.Fatal(err)
		}
		refs[i] = &adamRef{p: append([]float64{}, init[i]...), m: make([]float64, 3), v: make([]float64, 3)}
	}
	grads := [][]float64{{0.5, -1, 2}, {0.1, 0.1, -0.3}, {-0.2, 0.05, 0}, {1, 1, 1}, {0.3, -0.3, 0.1}, {2, -4, 1}}
	opt := AdamW{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.3}
	vars := ModelVars(store)
	byPath := map[string]int{}
	for i, p := range paths {
		byPath[p] = i
	}
	exec := model.MustNewExec(b, store, func(scope *model.Scope, lr *Node) *Node {
		livevars.Live(scope, lr.Graph())
		gs := make([]*Node, len(vars))
		for i, v := range vars {
			gs[i] = ConvertDType(Const(lr.Graph(), grads[byPath[v.Path()]]), v.DType())
		}
		return opt.Apply(store, vars, gs, lr)
	})
	for step, lr := range []float64{0.1, 0.05, 0.02} {
		norm := exec.MustCall1(tensors.FromScalar(float32(lr))).Value().(float32)
		var ss float64
		for i, p := range paths {
			wd := opt.WeightDecay
			if NoDecay(p) {
				wd = 0
			}
			refs[i].step(grads[i], lr, opt.Beta1, opt.Beta2, opt.Eps, wd)
			for _, g := range grads[i] {
				ss += g * g
			}
		}
		if math.Abs(float64(norm)-math.Sqrt(ss)) > 1e-4 {
			t.Errorf("step %d: gradient norm %g, want %g", step, norm, math.Sqrt(ss))
		}
		for i, p := range paths {
			got := store.GetVariable(p).MustValue().Value().([]float32)
			for j := range got {
				if math.Abs(float64(got[j])-refs[i].p[j]) > 2e-6 {
					t.Errorf("step %d %s[%d] = %.7f, hand-computed AdamW %.7f", step, p, j, got[j], refs[i].p[j])
				}
			}
		}
	}
	if got := StepCount(store); got != 3 {
		t.Errorf("step count %d, want 3", got)
	}
	for _, p := range []string{"/blk/attn/query/bias", "/norm/gamma", "/cls", "/pos_embed"} {
		if !NoDecay(p) {
			t.Errorf("%s must be excluded from weight decay", p)
		}
	}
	for _, p := range []string{"/blk/attn/query/key_tokens", "/blk/ffn/value_tokens", "/head/weights", "/patch_embed/weights"} {
		if NoDecay(p) {
			t.Errorf("%s must be decayed", p)
		}
	}
}

func TestClipByGlobalNorm(t *testing.T) {
	b := goBackend(t)
	store := model.NewStore()
	for _, p := range []string{"/a/weights", "/b/weights"} {
		if _, err := store.CreateVariable(p, tensors.FromValue([]float32{0, 0})); err != nil {
			t.Fatal(err)
		}
	}
	// Gradients (3, 0) and (0, 4): global norm 5. Clip to 1 → (0.6, 0) and (0, 0.8).
	// With β1 = β2 = 0 and eps ≈ 0 Adam's step is sign-like, so use plain SGD via
	// the first moment: β1 = 0, β2 → 0 gives update g/|g|; check the clipped gradient
	// through the second moment instead, which stores (1−β2)·g².
	opt := AdamW{Beta1: 0, Beta2: 0.5, Eps: 1e-8, ClipNorm: 1}
	vars := ModelVars(store)
	exec := model.MustNewExec(b, store, func(scope *model.Scope, lr *Node) *Node {
		g := lr.Graph()
		livevars.Live(scope, g)
		return opt.Apply(store, vars, []*Node{Const(g, []float32{3, 0}), Const(g, []float32{0, 4})}, lr)
	})
	norm := exec.MustCall1(tensors.FromScalar(float32(0))).Value().(float32)
	if math.Abs(float64(norm)-5) > 1e-5 {
		t.Errorf("reported norm %g, want the pre-clip 5", norm)
	}
	va := store.GetVariable(OptimizerScope + "/a/weights#v").MustValue().Value().([]float32)
	vb := store.GetVariable(OptimizerScope + "/b/weights#v").MustValue().Value().([]float32)
	if math.Abs(float64(va[0])-0.5*0.36) > 1e-6 || math.Abs(float64(vb[1])-0.5*0.64) > 1e-6 {
		t.Errorf("second moments %v %v, want 0.5·0.6² = 0.18 and 0.5·0.8² = 0.32 (clipped)", va, vb)
	}
}

func TestScheduleWarmupCosine(t *testing.T) {
	s := Schedule{PeakLR: 1e-3, MinLR: 1e-5, WarmupLR: 0, Warmup: 10, Total: 110}
	for _, tc := range []struct {
		t    int64
		want float64
	}{
		{0, 0}, {5, 5e-4}, {10, 1e-3},
		{60, 1e-5 + 0.5*(1e-3-1e-5)},                            // half-way through the cosine
		{35, 1e-5 + 0.5*(1e-3-1e-5)*(1+math.Cos(math.Pi*0.25))}, // a quarter
		{110, 1e-5}, {500, 1e-5},
	} {
		if got := s.LR(tc.t); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("LR(%d) = %.9g, want %.9g", tc.t, got, tc.want)
		}
	}
}

// TestLayerDecayScales: BEiT/MAE layer ids and lr multipliers decay^(depth+1−layer) for a
// depth-2 model, and AdamW applying them to the update and the decoupled weight decay.
func TestLayerDecayScales(t *testing.T) {
	const depth, decay = 2, 0.5
	want := map[string]float64{
		"/patch_embed/weights": 0.125, "/patch_embed/bias": 0.125, "/cls": 0.125, "/pos_embed": 0.125,
		"/block_00/ln1/gamma": 0.25, "/block_00/attn/query/weights": 0.25, "/block_01/mlp/fc2/bias": 0.5,
		"/norm/gamma": 1, "/head/weights": 1, "/head/bias": 1,
	}
	b := goBackend(t)
	store := model.NewStore()
	for p := range want {
		if _, err := store.CreateVariable(p, tensors.FromValue([]float32{1, -2})); err != nil {
			t.Fatal(err)
		}
	}
	vars := ModelVars(store)
	scales := LayerDecayScales(vars, depth, decay)
	for p, w := range want {
		if math.Abs(scales[p]-w) > 1e-15 {
			t.Errorf("%s: scale %g, want %g (layer %d)", p, scales[p], w, LayerID(p, depth))
		}
	}
	if LayerDecayScales(vars, depth, 0) != nil || LayerDecayScales(vars, depth, 1) != nil {
		t.Error("decay 0 and 1 must mean no scaling")
	}
	opt := AdamW{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.3, LRScale: scales}
	grad := []float64{0.5, -1}
	exec := model.MustNewExec(b, store, func(scope *model.Scope, lr *Node) *Node {
		livevars.Live(scope, lr.Graph())
		gs := make([]*Node, len(vars))
		for i := range vars {
			gs[i] = Const(lr.Graph(), []float32{0.5, -1})
		}
		return opt.Apply(store, vars, gs, lr)
	})
	const lr = 0.1
	exec.MustCall1(tensors.FromScalar(float32(lr)))
	for p, w := range want {
		ref := &adamRef{p: []float64{1, -2}, m: make([]float64, 2), v: make([]float64, 2)}
		wd := opt.WeightDecay
		if NoDecay(p) {
			wd = 0
		}
		ref.step(grad, lr*w, opt.Beta1, opt.Beta2, opt.Eps, wd)
		got := store.GetVariable(p).MustValue().Value().([]float32)
		for j := range got {
			if math.Abs(float64(got[j])-ref.p[j]) > 2e-6 {
				t.Errorf("%s[%d] = %.7f, AdamW at lr·%g gives %.7f", p, j, got[j], w, ref.p[j])
			}
		}
	}
}
