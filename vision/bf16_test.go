package vision

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestBF16MatmulLayouts runs every matmul layout the model uses (x·W, the Pattention
// scores x·Kᵀ, and the batched attention q·kᵀ) in bfloat16 on inputs that are exact in
// bf16, against a float64 sum. With float32 accumulation the error is the output's rounding
// to bf16 (half an ulp: ≤ 2⁻⁸ of the value) plus float32 summation noise (≤ 1e-4 of Σ|a·b|
// here).
//
// compute v0.1.6's AVX2 kernel for the x·Kᵀ layout was off by 1–14% of Σ|a·b| (AVX-512
// machines took another kernel): bf16 training drifted from f32 on AVX2 hosts only, which
// is what TestBF16TracksF32 saw. This test names the kernel instead of the symptom.
func TestBF16MatmulLayouts(t *testing.T) {
	b := goBackend(t)
	bf := func(v float64) float32 { return bfloat16.FromFloat32(float32(v)).Float32() }
	for _, sz := range [][3]int{{8, 16, 16}, {64, 48, 32}, {136, 32, 96}, {2, 300, 5}} {
		m, k, n := sz[0], sz[1], sz[2]
		a := make([]float32, m*k)
		w := make([]float32, n*k) // [n, k]: rows are keys
		for i := range a {
			a[i] = bf(math.Sin(float64(i) * 0.37))
		}
		for i := range w {
			w[i] = bf(math.Cos(float64(i) * 0.11))
		}
		layouts := map[string]func(x, y *Node) *Node{
			"x·W":  func(x, y *Node) *Node { return Dot(x, Transpose(y, 0, 1)).Product() },
			"x·Kᵀ": func(x, y *Node) *Node { return Dot(x, y).General([]int{1}, nil, []int{1}, nil) },
			"q·kᵀ batched": func(x, y *Node) *Node {
				q, kk := Reshape(x, 1, 1, m, k), Reshape(y, 1, 1, n, k)
				return Reshape(DotGeneral(q, []int{3}, []int{0, 1}, kk, []int{3}, []int{0, 1}), m, n)
			},
		}
		for name, f := range layouts {
			out := MustExecOnce(b, func(x, y *Node) *Node {
				return ConvertDType(f(ConvertDType(x, dtypes.BFloat16), ConvertDType(y, dtypes.BFloat16)), dtypes.Float32)
			}, tensors.FromFlatDataAndDimensions(a, m, k), tensors.FromFlatDataAndDimensions(w, n, k))
			got := tensors.MustCopyFlatData[float32](out)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					var ref, abs float64
					for l := 0; l < k; l++ {
						p := float64(a[i*k+l]) * float64(w[j*k+l])
						ref += p
						abs += math.Abs(p)
					}
					if d := math.Abs(float64(got[i*n+j]) - ref); d > math.Abs(ref)/256+1e-4*abs {
						t.Fatalf("%s [%d×%d]·[%d×%d] bf16: out[%d][%d] = %g, float64 %g (error %.3g of Σ|a·b| = %.3g)",
							name, m, k, k, n, i, j, got[i*n+j], ref, d/abs, abs)
					}
				}
			}
		}
	}
}
