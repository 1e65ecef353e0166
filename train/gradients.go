package train

import (
	"fmt"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/vision"
)

// LossAndGradients runs one forward/backward of the training loss (training mode, no
// update) and returns the loss and the gradient of every model variable, keyed by path.
// It is how correctness checks compare backends: `tfvision check parity` holds the
// gradients of XLA-CUDA (fused attention, bf16) against the pure-Go backend's.
func LossAndGradients(backend compute.Backend, m *vision.Model, store *model.Store, mb MicroBatch) (float64, map[string][]float32, error) {
	if mb.Images == nil {
		return 0, nil, fmt.Errorf("gradients: a float32 micro-batch (Images) is needed; 8-bit pixels are the Stepper's")
	}
	vars := ModelVars(store)
	if len(vars) == 0 {
		return 0, nil, fmt.Errorf("gradients: the store has no model variables: build the model first")
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, images, targets, weights *Node) []*Node {
		loss, grads := lossAndGrads(m, vars, scope, images, targets, weights)
		return append([]*Node{loss}, grads...)
	})
	if err != nil {
		return 0, nil, fmt.Errorf("gradients: %w", err)
	}
	defer exec.Finalize()
	outs, err := exec.Call(mb.Images, mb.Targets, mb.Weights)
	if err != nil {
		return 0, nil, fmt.Errorf("gradients: %w", err)
	}
	grads := make(map[string][]float32, len(vars))
	for i, v := range vars {
		grads[v.Path()] = tensors.MustCopyFlatData[float32](outs[i+1])
	}
	return scalar(outs[0]), grads, nil
}
