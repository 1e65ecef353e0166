package vision

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/livevars"
)

// TestModelsFitAFixedBatch trains each kind with plain Adam on one fixed batch of 8 images
// and 4 classes on the pure-Go backend: cross-entropy must fall from ≈ln 4 = 1.39 to below
// 0.05 within 100 steps, or the forward/backward wiring is broken.
func TestModelsFitAFixedBatch(t *testing.T) {
	b := goBackend(t)
	for _, kind := range []Kind{KindTokenFormer, KindViT} {
		c := tiny(kind)
		c.NumClasses, c.DropPath = 4, 0.1
		m, _ := New(c)
		store := model.NewStore()
		if err := m.Build(b, store, 1); err != nil {
			t.Fatal(err)
		}
		_ = store.SetRNGStateFromSeed(1)
		// Each class is a different stripe frequency plus per-image noise: learnable, not trivial.
		ys := []int32{0, 1, 2, 3, 3, 2, 1, 0}
		images := tensors.FromShape(m.InputShape(len(ys)))
		tensors.MustMutableFlatData(images, func(f []float32) {
			per := len(f) / len(ys)
			for i := range f {
				k, p := i/per, i%per
				f[i] = float32(math.Sin(float64(p)*0.2*float64(ys[k]+1)) + 0.3*math.Sin(float64(i)*1.7))
			}
		})
		labels := tensors.FromValue(ys)
		const lr, b1, b2 = 3e-3, 0.9, 0.999
		step := model.MustNewExec(b, store, func(scope *model.Scope, x, y *Node) *Node {
			g := x.Graph()
			livevars.Live(scope, g)
			logits := m.Logits(scope, x, true)
			onehot := OneHot(y, c.NumClasses, dtypes.Float32)
			loss := ReduceAllMean(Neg(ReduceSum(Mul(onehot, LogSoftmax(logits, -1)), -1)))
			var vars []*model.Variable
			var nodes []*Node
			for v := range store.IterVariables() {
				if v.Trainable && v.InUseByGraph(g) {
					vars = append(vars, v)
					nodes = append(nodes, v.NodeValue(g))
				}
			}
			grads := Gradient(loss, nodes...)
			tv := store.VariableWithValue("/optimizer/t", float32(0))
			tNext := AddScalar(tv.NodeValue(g), 1)
			tv.SetNodeValue(tNext)
			c1 := OneMinus(Pow(Scalar(g, dtypes.Float32, b1), tNext))
			c2 := OneMinus(Pow(Scalar(g, dtypes.Float32, b2), tNext))
			for i, v := range vars {
				mv := store.VariableWithValue("/optimizer"+v.Path()+"_m", tensors.FromShape(v.Shape()))
				vv := store.VariableWithValue("/optimizer"+v.Path()+"_v", tensors.FromShape(v.Shape()))
				m1 := Add(MulScalar(mv.NodeValue(g), b1), MulScalar(grads[i], 1-b1))
				m2 := Add(MulScalar(vv.NodeValue(g), b2), MulScalar(Square(grads[i]), 1-b2))
				mv.SetNodeValue(m1)
				vv.SetNodeValue(m2)
				upd := Div(Div(m1, c1), AddScalar(Sqrt(Div(m2, c2)), 1e-8))
				v.SetNodeValue(Sub(nodes[i], MulScalar(upd, lr)))
			}
			return loss
		})
		var first, last float32
		for i := 0; i < 100; i++ {
			last = step.MustCall1(images, labels).Value().(float32)
			if i == 0 {
				first = last
			}
		}
		step.Finalize()
		if math.Abs(float64(first)-math.Log(4)) > 0.3 {
			t.Errorf("%s: initial loss %.3f, want ≈ ln 4 = 1.386", kind, first)
		}
		if last > 0.05 {
			t.Errorf("%s: loss %.3f → %.3f after 100 Adam steps, want < 0.05", kind, first, last)
		}
		t.Logf("%s: loss %.3f → %.4f", kind, first, last)
	}
}
