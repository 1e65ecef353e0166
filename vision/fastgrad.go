package vision

import (
	"github.com/gomlx/compute/dtypes"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
)

// This file holds training-only graph builders whose forward math is identical to the plain
// GoMLX ops but whose backward pass is written by hand, because the pure-Go backend's
// automatic gradients are slow for them:
//
//   - a DotGeneral that contracts the row axis ("xᵀ·v", every weight gradient) is not a layout
//     the Go matmul supports, so the backend transposes *both* operands; xᵀ·v written as
//     Dot(Transpose(smaller), larger) needs one transpose of the narrower operand.
//   - fused ops (softmax) compute their decomposed version too, only for its gradient.
//
// GELU needs nothing here: since compute v0.1.14 the Go backend has a fused SIMD GELU with a
// fused backward (activation.Gelu uses both); it replaced a hand-written one that spent 7%
// more CPU per tokenformer-ti16 training step.
//
// The custom gradients are checked against GoMLX's own autodiff in fastgrad_test.go.

// customVJP returns build(ins') where ins'[i] = ins[i] for !wrap[i] and an identity of ins[i]
// with a custom gradient otherwise. grad receives ins' and the VJP v of the output and returns
// the VJPs of the wrapped inputs (entries for unwrapped inputs are ignored; a nil entry keeps
// GoMLX's automatic gradient). The automatic VJPs that a custom gradient replaces are left
// unused, and the backend's dead-code elimination drops them.
//
// It relies on reverse-mode autodiff visiting nodes in decreasing creation order: the output
// identity (created last) records v before any input identity asks for its gradient.
func customVJP(ins []*Node, wrap []bool, build func(ins []*Node) *Node, grad func(ins []*Node, v *Node) []*Node) *Node {
	var v *Node
	var grads []*Node
	wrapped := make([]*Node, len(ins))
	for i, in := range ins {
		if !wrap[i] {
			wrapped[i] = in
			continue
		}
		wrapped[i] = IdentityWithCustomGradient(in, func(_, auto *Node) *Node {
			if v == nil {
				return auto
			}
			if grads == nil {
				grads = grad(wrapped, v)
			}
			if grads[i] == nil {
				return auto
			}
			return grads[i]
		})
	}
	out := build(wrapped)
	return IdentityWithCustomGradient(out, func(_, vo *Node) *Node {
		v, grads = vo, nil
		return vo
	})
}

// matTN is aᵀ·b for a [r, m] and b [r, n] (the weight-gradient contraction over rows),
// transposing whichever operand is narrower so the Go backend sees a supported layout.
func matTN(a, b *Node) *Node {
	m, n := a.Shape().Dimensions[1], b.Shape().Dimensions[1]
	if m <= n {
		return Dot(TransposeAllAxes(a, 1, 0), b).Product() // [m, r]·[r, n]
	}
	return TransposeAllAxes(Dot(TransposeAllAxes(b, 1, 0), a).Product(), 1, 0) // ([n, r]·[r, m])ᵀ
}

// dotTrain is x·w for x [r, in], w [in, out] with w's gradient as matTN(x, v).
func dotTrain(x, w *Node) *Node {
	return customVJP([]*Node{x, w}, []bool{false, true},
		func(in []*Node) *Node { return Dot(in[0], in[1]).Product() },
		func(in []*Node, v *Node) []*Node { return []*Node{nil, matTN(x, v)} })
}

// dotNTTrain is x·kᵀ for x [r, d], k [n, d] with k's gradient as matTN(v, x).
func dotNTTrain(x, k *Node) *Node {
	return customVJP([]*Node{x, k}, []bool{false, true},
		func(in []*Node) *Node { return Dot(in[0], in[1]).General([]int{1}, nil, []int{1}, nil) },
		func(in []*Node, v *Node) []*Node { return []*Node{nil, matTN(v, x)} })
}

// attentionBHSD is softmax(q·kᵀ)·v for q, k, v [B, H, S, D] (q already scaled), with a
// hand-written backward that needs one transpose per operand gradient.
func attentionBHSD(q, k, v *Node, training bool) *Node {
	var p *Node
	build := func(in []*Node) *Node {
		s := DotGeneral(in[0], []int{3}, []int{0, 1}, in[1], []int{3}, []int{0, 1}) // [B, H, Sq, Sk]
		p = softmaxF32(s)
		return DotGeneral(p, []int{3}, []int{0, 1}, in[2], []int{2}, []int{0, 1}) // [B, H, Sq, D]
	}
	if !training {
		return build([]*Node{q, k, v})
	}
	return customVJP([]*Node{q, k, v}, []bool{true, true, true}, build,
		func(in []*Node, dO *Node) []*Node {
			qq, kk, vv := in[0], in[1], in[2]
			dP := DotGeneral(dO, []int{3}, []int{0, 1}, vv, []int{3}, []int{0, 1}) // [B, H, Sq, Sk]
			dS := Mul(p, Sub(dP, ReduceAndKeep(Mul(dP, p), ReduceSum, -1)))
			dq := DotGeneral(dS, []int{3}, []int{0, 1}, kk, []int{2}, []int{0, 1})
			dk := DotGeneral(TransposeAllAxes(dS, 0, 1, 3, 2), []int{3}, []int{0, 1}, qq, []int{2}, []int{0, 1})
			dv := DotGeneral(TransposeAllAxes(p, 0, 1, 3, 2), []int{3}, []int{0, 1}, dO, []int{2}, []int{0, 1})
			return []*Node{dq, dk, dv}
		})
}

// attentionPacked is attentionBHSD of qkv [3, B, H, S, D] (q, k, v stacked on axis 0, q
// scaled by scale here); when training its gradient comes back packed the same way, with
// one Concatenate instead of three zero-padded slice gradients.
func attentionPacked(qkv *Node, scale float64, training bool) *Node {
	unpack := func(t *Node) (q, k, v *Node) {
		part := func(i int) *Node { return Squeeze(Slice(t, AxisElem(i)), 0) }
		return MulScalar(part(0), scale), part(1), part(2)
	}
	if !training {
		q, k, v := unpack(qkv)
		return attentionBHSD(q, k, v, false)
	}
	var q, k, v, p *Node
	return customVJP([]*Node{qkv}, []bool{true},
		func(in []*Node) *Node {
			q, k, v = unpack(in[0])
			s := DotGeneral(q, []int{3}, []int{0, 1}, k, []int{3}, []int{0, 1}) // [B, H, Sq, Sk]
			p = softmaxF32(s)
			return DotGeneral(p, []int{3}, []int{0, 1}, v, []int{2}, []int{0, 1}) // [B, H, Sq, D]
		},
		func(_ []*Node, dO *Node) []*Node {
			dP := DotGeneral(dO, []int{3}, []int{0, 1}, v, []int{3}, []int{0, 1})
			dS := Mul(p, Sub(dP, ReduceAndKeep(Mul(dP, p), ReduceSum, -1)))
			dq := MulScalar(DotGeneral(dS, []int{3}, []int{0, 1}, k, []int{2}, []int{0, 1}), scale)
			dk := DotGeneral(TransposeAllAxes(dS, 0, 1, 3, 2), []int{3}, []int{0, 1}, q, []int{2}, []int{0, 1})
			dv := DotGeneral(TransposeAllAxes(p, 0, 1, 3, 2), []int{3}, []int{0, 1}, dO, []int{2}, []int{0, 1})
			return []*Node{Concatenate([]*Node{InsertAxes(dq, 0), InsertAxes(dk, 0), InsertAxes(dv, 0)}, 0)}
		})
}

// softmaxF32 is the attention softmax with its statistics (max, sum) in float32 whatever the
// compute dtype: bf16 has 8 bits of mantissa, too few for a sum over hundreds of keys.
func softmaxF32(s *Node) *Node {
	if s.DType() == dtypes.Float32 || s.DType() == dtypes.Float64 {
		return Softmax(s, -1)
	}
	return ConvertDType(Softmax(ConvertDType(s, dtypes.Float32), -1), s.DType())
}
