package vision

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
)

// Attention selects how softmax attention is computed. It changes speed and memory, never
// the function: both kernels compute softmax(q·kᵀ/√head_dim)·v.
type Attention string

const (
	// AttentionAuto (or "") uses the fused kernel where the backend has one for the model's
	// dtype and shapes, else the decomposed graph.
	AttentionAuto Attention = "auto"
	// AttentionFused requires the backend's fused attention (cuDNN flash attention on
	// XLA-CUDA, bf16): the [B, H, S, S] scores never reach memory, forward or backward.
	AttentionFused Attention = "fused"
	// AttentionDecomposed is the explicit graph: two batched matmuls and a float32 softmax,
	// with the hand-written backward of fastgrad.go.
	AttentionDecomposed Attention = "decomposed"
)

// Attentions lists the accepted values.
var Attentions = []Attention{AttentionAuto, AttentionFused, AttentionDecomposed}

// ParseAttention checks a config value ("" means auto).
func ParseAttention(s string) (Attention, error) {
	if s == "" {
		return AttentionAuto, nil
	}
	a := Attention(s)
	if !slices.Contains(Attentions, a) {
		return "", fmt.Errorf("attention = %q: allowed values are auto, fused, decomposed", s)
	}
	return a, nil
}

// FusedAttention reports whether backend b runs fused attention for cfg in dtype dt, both
// directions (training needs the fused backward too); when not, why explains it.
func FusedAttention(b compute.Backend, cfg Config, dt dtypes.DType) (ok bool, why string) {
	ops := b.Capabilities().Operations
	switch {
	case !ops[compute.OpTypeFusedScaledDotProductAttention] || !ops[compute.OpTypeFusedScaledDotProductAttentionVJP]:
		return false, fmt.Sprintf("backend %q has no fused attention (XLA with the CUDA plugin has)", b.Name())
	case !dt.IsHalfPrecision():
		return false, fmt.Sprintf("fused attention needs precision bf16, the model computes in %s", dt)
	case cfg.HeadDim()%8 != 0:
		return false, fmt.Sprintf("fused attention needs head_dim (dim/heads = %d/%d) to be a multiple of 8", cfg.Dim, cfg.Heads)
	}
	return true, ""
}

// AttentionPath resolves m.Attention on backend b: the kernel Logits will use, or an error
// when "fused" was asked for and b cannot run it (the error says why).
func (m *Model) AttentionPath(b compute.Backend) (Attention, error) {
	ok, why := FusedAttention(b, m.Config, m.DType)
	switch m.Attention {
	case AttentionDecomposed:
		return AttentionDecomposed, nil
	case AttentionFused:
		if !ok {
			return "", fmt.Errorf("attention = fused: %s; use attention: auto or decomposed", why)
		}
		return AttentionFused, nil
	case AttentionAuto, "":
		if ok {
			return AttentionFused, nil
		}
		return AttentionDecomposed, nil
	}
	return "", fmt.Errorf("attention = %q: allowed values are auto, fused, decomposed", m.Attention)
}

// fusedBSHD is the backend's fused attention of q, k, v [B, S, H, D]. The decomposed
// alternative is built too (GoMLX's contract for fused ops: if the backend refuses this
// call with "not implemented" the graph falls back to it; otherwise it is dead code).
func fusedBSHD(q, k, v *Node, scale float64, decomposed func() *Node) *Node {
	out, _ := InternalFusedOpCaller(func() *Node {
		o, _ := BackendFusedScaledDotProductAttention(q, k, v, compute.AttentionAxesLayoutBSHD,
			&compute.ScaledDotProductAttentionConfig{Scale: scale})
		return o
	}, decomposed, false)
	return out
}

// mha is softmax multi-head attention (scale 1/√head_dim, non-causal) of [B, S, d] tensors.
func (m *Model) mha(q, k, v *Node) *Node {
	c := m.Config
	dims := q.Shape().Dimensions
	scale := 1 / math.Sqrt(float64(c.HeadDim()))
	bshd := func(t *Node) *Node { return Reshape(t, dims[0], dims[1], c.Heads, c.HeadDim()) }
	// Heads-major [B, H, S, D] operands make both attention matmuls (and their gradients)
	// batched over leading axes, the layouts the Go backend multiplies without transposing.
	decomposed := func() *Node {
		bhsd := func(t *Node) *Node { return TransposeAllAxes(bshd(t), 0, 2, 1, 3) }
		out := attentionBHSD(bhsd(MulScalar(q, scale)), bhsd(k), bhsd(v), m.training)
		return Reshape(TransposeAllAxes(out, 0, 2, 1, 3), dims...)
	}
	if !m.fused {
		return decomposed()
	}
	return Reshape(fusedBSHD(bshd(q), bshd(k), bshd(v), scale, func() *Node { return bshd(decomposed()) }), dims...)
}

// linearQKV is the query/key/value linears of y [B, S, d] as one matmul against their
// weights concatenated inside the graph (the variables stay separate), returned as
// [B, S, 3, H, head_dim].
func (m *Model) linearQKV(scope *model.Scope, y *Node) *Node {
	c := m.Config
	g := y.Graph()
	dims := y.Shape().Dimensions
	var ws, bs []*Node
	for _, name := range []string{"query", "key", "value"} {
		s := scope.In("%s", name)
		ws = append(ws, m.param(s, g, "weights", c.Dim, c.Dim))
		bs = append(bs, m.param(s, g, "bias", c.Dim))
	}
	rows := dims[0] * dims[1]
	y2 := Reshape(y, rows, c.Dim)
	w := Concatenate(ws, 1)
	var yw *Node
	if m.training {
		yw = dotTrain(y2, w)
	} else {
		yw = Dot(y2, w).Product()
	}
	qkv := Add(yw, ExpandLeftToRank(Concatenate(bs, 0), 2)) // [rows, 3d]
	return Reshape(qkv, dims[0], dims[1], 3, c.Heads, c.HeadDim())
}

// mhaPacked is mha of qkv [B, S, 3, H, head_dim], returning [B, S, d].
func (m *Model) mhaPacked(qkv *Node) *Node {
	c := m.Config
	dims := qkv.Shape().Dimensions
	scale := 1 / math.Sqrt(float64(c.HeadDim()))
	decomposed := func() *Node {
		// [3, B, H, S, D]: heads-major, and q/k/v stacked so their gradient comes back packed.
		out := attentionPacked(TransposeAllAxes(qkv, 2, 0, 3, 1, 4), scale, m.training)
		return TransposeAllAxes(out, 0, 2, 1, 3) // [B, S, H, D]
	}
	var out *Node
	if m.fused {
		part := func(i int) *Node { return Squeeze(Slice(qkv, AxisRange(), AxisRange(), AxisElem(i)), 2) }
		out = fusedBSHD(part(0), part(1), part(2), scale, decomposed)
	} else {
		out = decomposed()
	}
	return Reshape(out, dims[0], dims[1], c.Dim)
}
