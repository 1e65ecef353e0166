package vision

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestFastGradMatchesAutodiff checks the hand-written backward passes of fastgrad.go against
// GoMLX's automatic gradients of the plain ops, in float64.
func TestFastGradMatchesAutodiff(t *testing.T) {
	b := goBackend(t)
	wave := func(dims []int, phase float64) *tensors.Tensor {
		n := 1
		for _, d := range dims {
			n *= d
		}
		f := make([]float64, n)
		for i := range f {
			f[i] = 1.3 * math.Sin(float64(i)*0.71+phase)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...)
	}
	type tc struct {
		name       string
		dims       [][]int
		fast, slow func(in []*Node) *Node
	}
	opts := PattentionOptions{Norm: NormL2GELU}
	cases := []tc{
		{"dot", [][]int{{7, 3}, {3, 5}},
			func(in []*Node) *Node { return dotTrain(in[0], in[1]) },
			func(in []*Node) *Node { return Dot(in[0], in[1]).Product() }},
		{"dotWide", [][]int{{7, 5}, {5, 3}},
			func(in []*Node) *Node { return dotTrain(in[0], in[1]) },
			func(in []*Node) *Node { return Dot(in[0], in[1]).Product() }},
		{"dotNT", [][]int{{7, 3}, {5, 3}},
			func(in []*Node) *Node { return dotNTTrain(in[0], in[1]) },
			func(in []*Node) *Node { return Dot(in[0], in[1]).General([]int{1}, nil, []int{1}, nil) }},
		{"attention", [][]int{{2, 3, 5, 4}, {2, 3, 5, 4}, {2, 3, 5, 4}},
			func(in []*Node) *Node { return attentionBHSD(in[0], in[1], in[2], true) },
			func(in []*Node) *Node { return attentionBHSD(in[0], in[1], in[2], false) }},
		{"attentionPacked", [][]int{{3, 2, 3, 5, 4}},
			func(in []*Node) *Node { return attentionPacked(in[0], 0.37, true) },
			func(in []*Node) *Node { return attentionPacked(in[0], 0.37, false) }},
	}
	for _, norm := range Norms {
		o := opts
		o.Norm = norm
		cases = append(cases, tc{"pattention-" + string(norm), [][]int{{2, 3, 4}, {6, 4}, {6, 5}},
			func(in []*Node) *Node { return pattention(in[0], in[1], in[2], o, true) },
			func(in []*Node) *Node { return Pattention(in[0], in[1], in[2], o) }})
	}
	for _, c := range cases {
		inputs := make([]any, len(c.dims))
		for i, d := range c.dims {
			inputs[i] = wave(d, float64(i))
		}
		run := func(f func(in []*Node) *Node) []*tensors.Tensor {
			return MustExecOnceN(b, func(in []*Node) []*Node {
				out := f(in)
				w := Sin(AddScalar(IotaFull(out.Graph(), out.Shape()), 0.5))
				loss := ReduceAllSum(Mul(out, w))
				return append([]*Node{out}, Gradient(loss, in...)...)
			}, inputs...)
		}
		got, want := run(c.fast), run(c.slow)
		for i := range got {
			gf, wf := tensors.MustCopyFlatData[float64](got[i]), tensors.MustCopyFlatData[float64](want[i])
			for j := range gf {
				if math.Abs(gf[j]-wf[j]) > 1e-12*math.Max(1, math.Abs(wf[j])) {
					t.Errorf("%s output %d [%d]: fast %.15g, autodiff %.15g", c.name, i, j, gf[j], wf[j])
					break
				}
			}
		}
	}
}
