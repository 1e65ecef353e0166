package checkpoint

import (
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// StepPath is the optimizer's step counter (an int64 scalar).
const StepPath = OptimizerScope + "/step"

// StateSuffixes are the per-weight optimizer state variables, saved as
// OptimizerScope + weight path + "#" + suffix: Adam's moments and the gradient accumulator.
var StateSuffixes = []string{"m", "v", "acc"}

// ExpectFor describes what a checkpoint of the model traced into store may hold: its
// weights, their EMA (EMAScope + path) and optimizer state (StateSuffixes), the optimizer
// step and the RNG state, each with its shape.
func ExpectFor(store *model.Store) Expect {
	weights := map[string]shapes.Shape{}
	for v := range store.IterVariables() {
		if IsModelWeight(v.Path()) {
			weights[v.Path()] = v.Shape()
		}
	}
	return func(p string) (shapes.Shape, bool) {
		if s, ok := weights[p]; ok {
			return s, true
		}
		switch p {
		case StepPath:
			return shapes.Make(dtypes.Int64), true
		case "/" + model.RNGStateVariableName:
			return graph.RNGStateShape, true
		}
		if w, ok := strings.CutPrefix(p, EMAScope); ok {
			s, ok := weights[w]
			return s, ok
		}
		if rest, ok := strings.CutPrefix(p, OptimizerScope); ok {
			for _, suf := range StateSuffixes {
				if w, ok := strings.CutSuffix(rest, "#"+suf); ok {
					s, ok := weights[w]
					return s, ok
				}
			}
		}
		return shapes.Shape{}, false
	}
}
