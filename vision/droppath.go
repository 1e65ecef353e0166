package vision

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// dropPath zeroes a residual branch for whole samples with probability rate and rescales
// the kept ones by 1/(1−rate), so the expected branch is unchanged. GoMLX's own DropPath
// does not rescale, which silently weakens the residual branches at eval time.
func dropPath(scope *model.Scope, branch *Node, rate float64) *Node {
	if rate <= 0 {
		return branch
	}
	b := branch.Shape().Dimensions[0]
	maskDims := make([]int, branch.Rank())
	for i := range maskDims {
		maskDims[i] = 1
	}
	maskDims[0] = b
	u := scope.RandomUniform(branch.Graph(), shapes.Make(dtypes.Float32, maskDims...))
	keep := Floor(AddScalar(u, 1-rate)) // 1 with probability 1−rate, else 0
	scale := ConvertDType(DivScalar(keep, 1-rate), branch.DType())
	return Mul(branch, scale)
}

// gelu is the exact (erf) GELU, as in the official code: the backend's fused op where it has
// one (forward and backward), else GoMLX's decomposition.
func gelu(x *Node) *Node { return activation.Gelu(x) }
