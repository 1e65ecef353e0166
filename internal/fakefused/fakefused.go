package fakefused

import (
	"sync/atomic"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
)

// Backend is a backend plus fused attention.
type Backend struct {
	compute.Backend
	// Fwd and VJP count the fused ops built into graphs.
	Fwd, VJP *atomic.Int64
	// BrokenVJP makes the backward leave out the score scale in dq and dk: the kind of
	// bug a parity check must catch.
	BrokenVJP bool
}

// New wraps b.
func New(b compute.Backend) *Backend {
	return &Backend{Backend: b, Fwd: new(atomic.Int64), VJP: new(atomic.Int64)}
}

// Capabilities adds the fused attention ops to b's.
func (b *Backend) Capabilities() compute.Capabilities {
	c := b.Backend.Capabilities().Clone()
	c.Operations[compute.OpTypeFusedScaledDotProductAttention] = true
	c.Operations[compute.OpTypeFusedScaledDotProductAttentionVJP] = true
	return c
}

// Builder returns a builder whose main function has the fused ops.
func (b *Backend) Builder(name string) compute.Builder {
	inner := b.Backend.Builder(name)
	return &fusedBuilder{Builder: inner, main: &fusedFn{Function: inner.Main(), b: b}}
}

type fusedBuilder struct {
	compute.Builder
	main *fusedFn
}

// Main is the wrapped main function.
func (b *fusedBuilder) Main() compute.Function { return b.main }

type fusedFn struct {
	compute.Function
	b *Backend
}

// must panics with the backend error: graph building turns panics into errors.
func must(v compute.Value, err error) compute.Value {
	if err != nil {
		panic(err)
	}
	return v
}

// toBHSD converts a [B, S, H, D] (or BHSD) operand to float32 BHSD.
func (f *fusedFn) toBHSD(x compute.Value, layout compute.AttentionAxesLayout) compute.Value {
	x = must(f.ConvertDType(x, dtypes.Float32))
	if layout == compute.AttentionAxesLayoutBSHD {
		x = must(f.Transpose(x, 0, 2, 1, 3))
	}
	return x
}

func (f *fusedFn) fromBHSD(x compute.Value, layout compute.AttentionAxesLayout, dt dtypes.DType) compute.Value {
	if layout == compute.AttentionAxesLayoutBSHD {
		x = must(f.Transpose(x, 0, 2, 1, 3))
	}
	return must(f.ConvertDType(x, dt))
}

func (f *fusedFn) shape(x compute.Value) shapes.Shape {
	s, err := f.Shape(x)
	if err != nil {
		panic(err)
	}
	return s
}

// scores is scale·q·kᵀ [B, H, S, S] in float32.
func (f *fusedFn) scores(q, k compute.Value, scale float64) compute.Value {
	return f.mulScalar(must(f.DotGeneral(q, []int{3}, []int{0, 1}, k, []int{3}, []int{0, 1}, compute.DotGeneralConfig{})), scale)
}

// mulScalar is x·c for a float32 x.
func (f *fusedFn) mulScalar(x compute.Value, c float64) compute.Value {
	v := must(f.Reshape(must(f.Constant([]float32{float32(c)}))))
	return must(f.Mul(x, must(f.BroadcastInDim(v, f.shape(x), nil))))
}

// bcastRows broadcasts a [B, H, S] statistic over the last axis of shape like.
func (f *fusedFn) bcastRows(x compute.Value, like shapes.Shape) compute.Value {
	return must(f.BroadcastInDim(x, like, []int{0, 1, 2}))
}

// FusedScaledDotProductAttention is softmax(scale·q·kᵀ)·v; its state is the log-sum-exp.
func (f *fusedFn) FusedScaledDotProductAttention(query, key, value compute.Value, layout compute.AttentionAxesLayout,
	opts *compute.ScaledDotProductAttentionConfig) (compute.Value, []compute.Value, error) {
	f.b.Fwd.Add(1)
	dt := f.shape(query).DType
	q, k, v := f.toBHSD(query, layout), f.toBHSD(key, layout), f.toBHSD(value, layout)
	s := f.scores(q, k, opts.Scale)
	ss := f.shape(s)
	mx := must(f.ReduceMax(s, 3))
	e := must(f.Exp(must(f.Sub(s, f.bcastRows(mx, ss)))))
	sum := must(f.ReduceSum(e, 3))
	p := must(f.Div(e, f.bcastRows(sum, ss)))
	out := must(f.DotGeneral(p, []int{3}, []int{0, 1}, v, []int{2}, []int{0, 1}, compute.DotGeneralConfig{}))
	lse := must(f.Add(mx, must(f.Log(sum)))) // [B, H, S], the flash kernel's only saved statistic
	return f.fromBHSD(out, layout, dt), []compute.Value{lse}, nil
}

// FusedScaledDotProductAttentionVJP is flash attention's backward from the log-sum-exp.
func (f *fusedFn) FusedScaledDotProductAttentionVJP(query, key, value compute.Value, layout compute.AttentionAxesLayout,
	opts *compute.ScaledDotProductAttentionConfig, output compute.Value, states []compute.Value, dOutput compute.Value) (
	compute.Value, compute.Value, compute.Value, error) {
	f.b.VJP.Add(1)
	dt := f.shape(query).DType
	q, k, v := f.toBHSD(query, layout), f.toBHSD(key, layout), f.toBHSD(value, layout)
	o, dO := f.toBHSD(output, layout), f.toBHSD(dOutput, layout)
	s := f.scores(q, k, opts.Scale)
	ss := f.shape(s)
	p := must(f.Exp(must(f.Sub(s, f.bcastRows(states[0], ss)))))
	dP := must(f.DotGeneral(dO, []int{3}, []int{0, 1}, v, []int{3}, []int{0, 1}, compute.DotGeneralConfig{}))
	d := must(f.ReduceSum(must(f.Mul(dO, o)), 3)) // rowsum(dO∘O) = rowsum(dP∘P)
	dS := must(f.Mul(p, must(f.Sub(dP, f.bcastRows(d, ss)))))
	if !f.b.BrokenVJP {
		dS = f.mulScalar(dS, opts.Scale)
	}
	dq := must(f.DotGeneral(dS, []int{3}, []int{0, 1}, k, []int{2}, []int{0, 1}, compute.DotGeneralConfig{}))
	dk := must(f.DotGeneral(dS, []int{2}, []int{0, 1}, q, []int{2}, []int{0, 1}, compute.DotGeneralConfig{}))
	dv := must(f.DotGeneral(p, []int{2}, []int{0, 1}, dO, []int{2}, []int{0, 1}, compute.DotGeneralConfig{}))
	return f.fromBHSD(dq, layout, dt), f.fromBHSD(dk, layout, dt), f.fromBHSD(dv, layout, dt), nil
}
