package vision

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// refPattention is an independent float64 implementation of the paper's Pattention
// (arXiv 2410.23168): Θ = norm(X·Kᵀ) with the zoom √n, out = Θ·V.
func refPattention(x, k, v [][]float64, norm Norm, zoom, eps float64) [][]float64 {
	n := len(k)
	if zoom == 0 {
		zoom = float64(n)
	}
	gelu := func(z float64) float64 { return 0.5 * z * (1 + math.Erf(z/math.Sqrt2)) }
	out := make([][]float64, len(x))
	for r, row := range x {
		a := make([]float64, n)
		for j := range k {
			for i := range row {
				a[j] += row[i] * k[j][i]
			}
		}
		theta := make([]float64, n)
		l2 := func(s []float64) []float64 {
			ss := 0.0
			for _, z := range s {
				ss += z * z
			}
			o := make([]float64, len(s))
			for j, z := range s {
				o[j] = z / math.Sqrt(ss+eps) * math.Sqrt(zoom)
			}
			return o
		}
		switch norm {
		case NormL2GELU:
			for j, z := range l2(a) {
				theta[j] = gelu(z)
			}
		case NormGELUL2:
			g := make([]float64, n)
			for j, z := range a {
				g[j] = gelu(z)
			}
			theta = l2(g)
		case NormSoftmax:
			mx := math.Inf(-1)
			for _, z := range a {
				mx = math.Max(mx, z)
			}
			sum := 0.0
			for j, z := range a {
				theta[j] = math.Exp(z - mx)
				sum += theta[j]
			}
			for j := range theta {
				theta[j] = theta[j] / sum * zoom
			}
		}
		out[r] = make([]float64, len(v[0]))
		for j := range v {
			for o := range v[j] {
				out[r][o] += theta[j] * v[j][o]
			}
		}
	}
	return out
}

func seq(rows, cols int, f func(i, j int) float64) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			m[i][j] = f(i, j)
		}
	}
	return m
}

// erfTol bounds what the pure-Go backend's Erf can give, float64 included: since compute
// v0.1.14 it is Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7) in SIMD, not math.Erf. Through
// GELU = x·(1 + erf(x/√2))/2 that is < 0.75e-7·|x| per Θ entry; the values here are O(1).
// Softmax Θ has no erf and keeps the float64 tolerance.
func erfTol(norm Norm, exact float64) float64 {
	if norm == NormSoftmax {
		return exact
	}
	return 5e-7
}

func TestPattentionMatchesReference(t *testing.T) {
	b := goBackend(t)
	// 4 input tokens of width 3 (the last one all zeros), 5 parameter tokens, output width 2.
	x := seq(4, 3, func(i, j int) float64 {
		if i == 3 {
			return 0
		}
		return math.Sin(float64(3*i+j+1)) * 1.5
	})
	k := seq(5, 3, func(i, j int) float64 { return math.Cos(float64(2*i+j)) * 0.7 })
	v := seq(5, 2, func(i, j int) float64 { return float64(i-2)*0.3 + float64(j)*0.1 })
	for _, tc := range []struct {
		norm Norm
		zoom float64
	}{{NormL2GELU, 0}, {NormGELUL2, 0}, {NormSoftmax, 0}, {NormL2GELU, 3}, {NormSoftmax, 2}} {
		want := refPattention(x, k, v, tc.norm, tc.zoom, DefaultEpsilon)
		got := MustExecOnce(b, func(x, k, v *Node) *Node {
			return Pattention(x, k, v, PattentionOptions{Norm: tc.norm, Zoom: tc.zoom})
		}, tensors.FromValue(x), tensors.FromValue(k), tensors.FromValue(v))
		vals := got.Value().([][]float64)
		for r := range want {
			for o := range want[r] {
				if d := math.Abs(vals[r][o] - want[r][o]); d > erfTol(tc.norm, 1e-9) || math.IsNaN(vals[r][o]) {
					t.Errorf("%s zoom=%g: out[%d][%d] = %.12f, reference %.12f", tc.norm, tc.zoom, r, o, vals[r][o], want[r][o])
				}
			}
		}
	}
}

func TestPattentionZeroRowIsFiniteInFloat32(t *testing.T) {
	b := goBackend(t)
	for _, norm := range Norms {
		got := MustExecOnce(b, func(x, k, v *Node) *Node {
			return Pattention(x, k, v, PattentionOptions{Norm: norm})
		}, tensors.FromValue([][]float32{{0, 0, 0}}), tensors.FromValue([][]float32{{1, 2, 3}, {-1, 0, 1}}),
			tensors.FromValue([][]float32{{1, 1}, {2, -3}}))
		row := got.Value().([][]float32)[0]
		want := []float32{0, 0}
		if norm == NormSoftmax { // uniform Θ = 1/n·n = 1 per token: the sum of the values
			want = []float32{3, -2}
		}
		for i := range row {
			if math.IsNaN(float64(row[i])) || math.Abs(float64(row[i]-want[i])) > 1e-6 {
				t.Errorf("%s: zero row gives %v, want %v", norm, row, want)
			}
		}
	}
}

// TestPattentionGradientFiniteDifferences checks autodiff of x, K and V against central
// differences of the float64 graph.
func TestPattentionGradientFiniteDifferences(t *testing.T) {
	b := goBackend(t)
	x := seq(3, 4, func(i, j int) float64 { return math.Sin(float64(i*4+j) + 0.3) })
	k := seq(6, 4, func(i, j int) float64 { return math.Cos(float64(i*3+j*2)) * 0.8 })
	v := seq(6, 2, func(i, j int) float64 { return math.Sin(float64(i + 5*j)) })
	w := seq(3, 2, func(i, j int) float64 { return float64(i+1) - float64(j)*2.5 })
	for _, norm := range Norms {
		loss := func(x, k, v *Node) *Node {
			out := Pattention(x, k, v, PattentionOptions{Norm: norm})
			return ReduceAllSum(Mul(out, Const(x.Graph(), w)))
		}
		grads := MustExecOnceN(b, func(x, k, v *Node) []*Node {
			return Gradient(loss(x, k, v), x, k, v)
		}, tensors.FromValue(x), tensors.FromValue(k), tensors.FromValue(v))
		lossExec := MustNewExec(b, loss)
		inputs := [][][]float64{x, k, v}
		const h = 1e-6
		for which, in := range inputs {
			g := grads[which].Value().([][]float64)
			for i := range in {
				for j := range in[i] {
					orig := in[i][j]
					in[i][j] = orig + h
					up := lossExec.MustCall1(tensors.FromValue(x), tensors.FromValue(k), tensors.FromValue(v)).Value().(float64)
					in[i][j] = orig - h
					down := lossExec.MustCall1(tensors.FromValue(x), tensors.FromValue(k), tensors.FromValue(v)).Value().(float64)
					in[i][j] = orig
					fd := (up - down) / (2 * h)
					// Autodiff differentiates erf exactly (2/√π·e^(−x²)) while the forward
					// runs the A&S approximation, whose error has a slope of up to ~1e-6;
					// through Θ's scale that leaves ~1e-5. A wrong gradient is off by O(1).
					tol := 1e-6
					if norm != NormSoftmax {
						tol = 3e-5
					}
					if math.Abs(fd-g[i][j]) > tol*math.Max(1, math.Abs(fd)) {
						t.Errorf("%s: d/d%s[%d][%d] autodiff %.9f, finite difference %.9f", norm, "xkv"[which:which+1], i, j, g[i][j], fd)
					}
				}
			}
		}
		lossExec.Finalize()
	}
}

func TestPattentionBF16StaysClose(t *testing.T) {
	b := goBackend(t)
	x := seq(4, 8, func(i, j int) float64 { return math.Sin(float64(i*8 + j)) })
	k := seq(16, 8, func(i, j int) float64 { return math.Cos(float64(i+j*3)) * 0.5 })
	v := seq(16, 8, func(i, j int) float64 { return math.Sin(float64(2*i+j)) * 0.2 })
	want := refPattention(x, k, v, NormL2GELU, 0, DefaultEpsilon)
	got := MustExecOnce(b, func(x, k, v *Node) *Node {
		c := func(n *Node) *Node { return ConvertDType(n, dtypes.BFloat16) }
		return ConvertDType(Pattention(c(x), c(k), c(v), PattentionOptions{Norm: NormL2GELU}), dtypes.Float64)
	}, tensors.FromValue(x), tensors.FromValue(k), tensors.FromValue(v)).Value().([][]float64)
	for r := range want {
		for o := range want[r] {
			if d := math.Abs(got[r][o] - want[r][o]); d > 0.03 {
				t.Errorf("bf16 out[%d][%d] = %.4f, float64 reference %.4f", r, o, got[r][o], want[r][o])
			}
		}
	}
}
