package vision

import (
	"math"

	"github.com/gomlx/compute/dtypes"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
)

// PattentionOptions are the knobs of Θ. Zoom 0 means n (the number of parameter tokens).
type PattentionOptions struct {
	Norm    Norm
	Zoom    float64
	Epsilon float64
}

// Pattention computes Θ(X·Kᵀ)·V for x [..., d_in], keys [n, d_in] and values [n, d_out].
//
// The scores and their normalisation are computed in float32 even when x, keys and values
// are bfloat16: the L2 norm over n scores and the softmax are where low precision hurts.
func Pattention(x, keys, values *Node, opts PattentionOptions) *Node {
	return pattention(x, keys, values, opts, false)
}

// pattention is Pattention; training selects builders with hand-written gradients.
func pattention(x, keys, values *Node, opts PattentionOptions, training bool) *Node {
	n := keys.Shape().Dimensions[0]
	dIn := keys.Shape().Dimensions[1]
	dOut := values.Shape().Dimensions[1]
	lead := x.Shape().Dimensions[:x.Rank()-1]
	rows := 1
	for _, d := range lead {
		rows *= d
	}
	x2 := Reshape(x, rows, dIn)
	var scores, theta, out *Node
	if training {
		scores = dotNTTrain(x2, keys) // [rows, n]
		theta = ConvertDType(PattentionTheta(scores, n, opts), values.DType())
		out = dotTrain(theta, values) // [rows, d_out]
	} else {
		scores = Dot(x2, keys).General([]int{1}, nil, []int{1}, nil)
		theta = ConvertDType(PattentionTheta(scores, n, opts), values.DType())
		out = Dot(theta, values).Product()
	}
	outDims := append(append([]int{}, lead...), dOut)
	return Reshape(out, outDims...)
}

// PattentionTheta applies the normalisation Θ to scores [..., n] over the last axis.
func PattentionTheta(scores *Node, n int, opts PattentionOptions) *Node {
	zoom := opts.Zoom
	if zoom == 0 {
		zoom = float64(n)
	}
	eps := opts.Epsilon
	if eps == 0 {
		eps = DefaultEpsilon
	}
	s := scores
	if s.DType() != dtypes.Float32 && s.DType() != dtypes.Float64 {
		s = ConvertDType(s, dtypes.Float32)
	}
	last := s.Rank() - 1
	l2scale := func(v *Node) *Node {
		// v·√zoom / √(Σv² + ε): ε inside the root keeps an all-zero row at exactly zero.
		// The scale √zoom/√(Σv² + ε) is formed on the [..., 1] row sums, so the full-size work
		// (forward and backward) is one broadcast Mul instead of a Div and a MulScalar.
		scale := MulScalar(Reciprocal(Sqrt(AddScalar(ReduceAndKeep(Square(v), ReduceSum, last), eps))), math.Sqrt(zoom))
		return Mul(v, scale)
	}
	var theta *Node
	switch opts.Norm {
	case NormGELUL2:
		theta = l2scale(gelu(s))
	case NormSoftmax:
		theta = MulScalar(Softmax(s, last), zoom)
	default: // NormL2GELU
		theta = gelu(l2scale(s))
	}
	return theta
}
