package vision

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/nn"
)

// Model maps images to logits. Parameters live in a model.Store under fixed scope names
// (patch_embed, cls, pos_embed, block_NN/..., norm, head), always as float32 "master"
// weights; DType is the compute dtype of matmuls and activations (float32, or bfloat16
// for mixed precision, where norms, softmax statistics and the loss stay float32).
type Model struct {
	Config Config
	DType  dtypes.DType
	// Attention picks the attention kernel ("" = auto: fused where the backend has it).
	Attention Attention

	// training is set on the copy Logits builds with: it selects the graph builders with
	// hand-written gradients (fastgrad.go), which give the same values.
	training bool
	// fused is Attention resolved on the graph's backend, once per Logits (attention.go).
	fused bool
}

// New validates cfg and returns a float32 model.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Model{Config: cfg, DType: dtypes.Float32}, nil
}

// InputShape is the image batch shape the model expects: [batch, H, W, C], float32.
func (m *Model) InputShape(batch int) shapes.Shape {
	c := m.Config
	return shapes.Make(dtypes.Float32, batch, c.ImageSize, c.ImageSize, c.Channels)
}

// param fetches (creating on first use) a float32 variable and casts it to the compute dtype.
func (m *Model) param(scope *model.Scope, g *Graph, name string, dims ...int) *Node {
	v := scope.VariableWithShape(name, shapes.Make(dtypes.Float32, dims...))
	return m.cast(v.NodeValue(g))
}

func (m *Model) cast(x *Node) *Node {
	if x.DType() == m.DType {
		return x
	}
	return ConvertDType(x, m.DType)
}

// Logits runs the whole classifier: images [B, H, W, C] float32 → logits [B, classes] float32.
// training switches on drop path (which draws from the store's RNG state).
func (m *Model) Logits(scope *model.Scope, images *Node, training bool) *Node {
	mc := *m
	mc.training = training
	m = &mc
	c := m.Config
	g := images.Graph()
	att, err := m.AttentionPath(g.Backend())
	if err != nil {
		panic(err) // graph building reports errors as panics
	}
	m.fused = att == AttentionFused
	dims := images.Shape().Dimensions
	if len(dims) != 4 || dims[1] != c.ImageSize || dims[2] != c.ImageSize || dims[3] != c.Channels {
		panic(fmt.Errorf("vision: images must be [batch, %d, %d, %d], got %s", c.ImageSize, c.ImageSize, c.Channels, images.Shape()))
	}
	x := m.embed(scope, m.cast(images))
	for i := 0; i < c.Depth; i++ {
		rate := 0.0
		if training && c.Depth > 1 {
			// Stochastic depth grows linearly with depth (timm/DeiT's rule).
			rate = c.DropPath * float64(i) / float64(c.Depth-1)
		}
		bs := scope.In("block_%02d", i)
		if c.Kind == KindTokenFormer {
			x = m.tokenFormerBlock(bs, x, rate)
		} else {
			x = m.vitBlock(bs, x, rate)
		}
	}
	ns := scope.In("norm")
	x = m.layerNorm(x, m.param(ns, g, "gamma", c.Dim), m.param(ns, g, "beta", c.Dim), c.FinalLNEps())
	cls := Squeeze(Slice(x, AxisRange(), AxisElem(0), AxisRange()), 1) // [B, d]
	return ConvertDType(m.linear(scope.In("head"), cls, c.NumClasses), dtypes.Float32)
}

// embed turns images into [B, 1+N, d] tokens: p×p patches flattened in (row, col, channel)
// order through one linear map (equal to a stride-p conv), CLS prepended, positions added.
func (m *Model) embed(scope *model.Scope, images *Node) *Node {
	c := m.Config
	g := images.Graph()
	b, p, gh := images.Shape().Dimensions[0], c.Patch, c.ImageSize/c.Patch
	x := Reshape(images, b, gh, p, gh, p, c.Channels)
	x = TransposeAllAxes(x, 0, 1, 3, 2, 4, 5)
	x = Reshape(x, b, gh*gh, p*p*c.Channels)
	x = m.linear(scope.In("patch_embed"), x, c.Dim)
	cls := BroadcastToDims(Reshape(m.param(scope, g, "cls", c.Dim), 1, 1, c.Dim), b, 1, c.Dim)
	x = Concatenate([]*Node{cls, x}, 1)
	pos := Reshape(m.param(scope, g, "pos_embed", c.SeqLen(), c.Dim), 1, c.SeqLen(), c.Dim)
	return Add(x, pos)
}

// linear is x·W + b with W [in, out].
func (m *Model) linear(scope *model.Scope, x *Node, out int) *Node {
	g := x.Graph()
	in := x.Shape().Dimensions[x.Rank()-1]
	w := m.param(scope, g, "weights", in, out)
	bias := m.param(scope, g, "bias", out)
	lead := x.Shape().Dimensions[:x.Rank()-1]
	rows := 1
	for _, d := range lead {
		rows *= d
	}
	x2 := Reshape(x, rows, in)
	var xw *Node
	if m.training {
		xw = dotTrain(x2, w)
	} else {
		xw = Dot(x2, w).Product()
	}
	y := Add(xw, ExpandLeftToRank(bias, 2))
	return Reshape(y, append(append([]int{}, lead...), out)...)
}

// pattention is a Pattention layer with its own key/value tokens under scope.
func (m *Model) pattention(scope *model.Scope, group string, x *Node, n, out int) *Node {
	g := x.Graph()
	in := x.Shape().Dimensions[x.Rank()-1]
	keys := m.param(scope, g, "key_tokens", n, in)
	values := m.param(scope, g, "value_tokens", n, out)
	return pattention(x, keys, values, PattentionOptions{Norm: m.Config.norm(), Zoom: m.Config.zoomFor(group), Epsilon: m.Config.epsilon()}, m.training)
}

// layerNorm normalises over the last axis in float32 (gamma/beta may be nil).
func (m *Model) layerNorm(x, gamma, beta *Node, eps float64) *Node {
	x32 := ConvertDType(x, dtypes.Float32)
	if gamma != nil {
		gamma, beta = ConvertDType(gamma, dtypes.Float32), ConvertDType(beta, dtypes.Float32)
	}
	return m.cast(nn.LayerNorm(x32, []int{x.Rank() - 1}, eps, gamma, beta, nil))
}

// tokenFormerBlock: y = LN(x); x += Po(MHA(Pq(y), Pk(y), Pv(y))); x += Pffn(LN(x)),
// with non-parametric LNs (no γ/β), as the TokenFormer paper's block (arXiv 2410.23168).
func (m *Model) tokenFormerBlock(scope *model.Scope, x *Node, dropRate float64) *Node {
	c := m.Config
	y := m.layerNorm(x, nil, nil, c.BlockLNEps())
	as := scope.In("attn")
	q := m.pattention(as.In("query"), "qkv", y, c.QKVTokens, c.Dim)
	k := m.pattention(as.In("key"), "qkv", y, c.QKVTokens, c.Dim)
	v := m.pattention(as.In("value"), "qkv", y, c.QKVTokens, c.Dim)
	a := m.pattention(as.In("out"), "proj", m.mha(q, k, v), c.ProjTokens, c.Dim)
	x = Add(x, dropPath(scope.In("drop_attn"), a, dropRate))
	f := m.pattention(scope.In("ffn"), "ffn", m.layerNorm(x, nil, nil, c.BlockLNEps()), c.FFNTokens, c.Dim)
	return Add(x, dropPath(scope.In("drop_ffn"), f, dropRate))
}

// vitBlock is the baseline pre-LN ViT block: linear Q/K/V/out with bias, MLP 4d with GELU.
func (m *Model) vitBlock(scope *model.Scope, x *Node, dropRate float64) *Node {
	c := m.Config
	g := x.Graph()
	ln := func(name string, t *Node) *Node {
		s := scope.In("%s", name)
		return m.layerNorm(t, m.param(s, g, "gamma", c.Dim), m.param(s, g, "beta", c.Dim), c.BlockLNEps())
	}
	y := ln("ln1", x)
	as := scope.In("attn")
	a := m.linear(as.In("out"), m.mhaPacked(m.linearQKV(as, y)), c.Dim)
	x = Add(x, dropPath(scope.In("drop_attn"), a, dropRate))
	ms := scope.In("mlp")
	h := gelu(m.linear(ms.In("fc1"), ln("ln2", x), c.mlpHidden()))
	f := m.linear(ms.In("fc2"), h, c.Dim)
	return Add(x, dropPath(scope.In("drop_ffn"), f, dropRate))
}
