package livevars

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Live makes every variable that g reads a parameter, fed the variable's current value at
// each call. Call it before the graph function reads any variable.
func Live(scope *model.Scope, g *graph.Graph) { scope.SetTraining(g, true) }

// IsLive reports whether Live was called for g: code that updates variables in a graph
// (an optimizer) checks it, since its updates would not persist otherwise.
func IsLive(store *model.Store, g *graph.Graph) bool { return store.IsTraining(g) }
