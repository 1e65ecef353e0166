package train

import (
	"fmt"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/livevars"
	"github.com/tfvision/tfvision/vision"
)

// MicroBatch is one forward/backward worth of host data: images [B, H, W, C], soft
// targets [B, classes] (label smoothing and Mixup/CutMix folded in) and per-sample
// weights [B] (0 for padding).
//
// Or, instead of Images, 8-bit pixels the step graph normalises itself (pixels.go): Pixels
// [B, H, W, 3] uint8 and, for a run with Mixup, Partner [B] int32 and Mix [2] float32 (an
// augment.MixPlan: the Mixup blend, done in the graph; CutMix and the targets are done on
// the host as for Images).
type MicroBatch struct {
	Images, Targets, Weights *tensors.Tensor
	Pixels, Partner, Mix     *tensors.Tensor
}

// Stepper runs optimizer steps. With Accum == 1 one compiled graph does forward, backward
// and update; with Accum > 1 a "micro" graph adds gradients into float32 buffers and an
// "apply" graph updates from their mean, so memory stays that of one micro-batch.
type Stepper struct {
	Model *vision.Model
	Store *model.Store
	Opt   AdamW
	Accum int

	// PixelNorm normalises MicroBatch.Pixels in the step graph; it must be set before the
	// first step on pixels.
	PixelNorm vision.PixelNorm

	backend             compute.Backend
	vars                []*model.Variable
	fused, micro, apply *model.Exec // on float images, or 8-bit pixels (stepImages)
	fusedMix, microMix  *model.Exec // on 8-bit pixels mixed in the graph
	devices             int

	// batchMu guards batch, the micro-batch size of the first step: Prepare may run on
	// another goroutine than the step.
	batchMu sync.Mutex
	batch   int
}

// NewStepper prepares the step graphs (compiled lazily on first use, once per shape).
func NewStepper(backend compute.Backend, m *vision.Model, store *model.Store, opt AdamW, accum int) (*Stepper, error) {
	if accum < 1 {
		return nil, fmt.Errorf("accumulation steps = %d: must be >= 1", accum)
	}
	s := &Stepper{Model: m, Store: store, Opt: opt, Accum: accum, backend: backend, vars: ModelVars(store)}
	if len(s.vars) == 0 {
		return nil, fmt.Errorf("train: the store has no model variables: build the model first")
	}
	if opt.EMADecay > 0 {
		if err := InitEMA(store); err != nil {
			return nil, fmt.Errorf("init EMA: %w", err)
		}
	}
	var err error
	// Compiled on first use: the pixel graphs cost nothing on a float run and vice versa.
	if accum == 1 {
		if s.fused, err = model.NewExec(backend, store, s.fusedGraph); err == nil {
			s.fusedMix, err = model.NewExec(backend, store, s.fusedMixGraph)
		}
	} else {
		if s.micro, err = model.NewExec(backend, store, s.microGraph); err == nil {
			s.apply, err = model.NewExec(backend, store, s.applyGraph)
		}
		if err == nil {
			s.microMix, err = model.NewExec(backend, store, s.microMixGraph)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("build train step: %w", err)
	}
	if n := backend.NumDevices(); n > 1 {
		if err := s.distribute(n); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// lossAndGrads is the training loss of m (training mode) and its gradient with respect to
// each of vars: what every optimizer step and LossAndGradients compute.
func lossAndGrads(m *vision.Model, vars []*model.Variable, scope *model.Scope, images, targets, weights *Node) (*Node, []*Node) {
	g := images.Graph()
	livevars.Live(scope, g) // the step runs again on the weights it just updated
	nodes := make([]*Node, len(vars))
	for i, v := range vars {
		nodes[i] = v.NodeValue(g)
	}
	logits := m.Logits(scope, images, true)
	loss := softTargetLoss(logits, targets, weights)
	return loss, Gradient(loss, nodes...)
}

func (s *Stepper) fusedGraph(scope *model.Scope, images, targets, weights, lr *Node) (*Node, *Node) {
	loss, grads := lossAndGrads(s.Model, s.vars, scope, s.stepImages(images), targets, weights)
	return loss, s.Opt.Apply(s.Store, s.vars, grads, lr)
}

func (s *Stepper) microGraph(scope *model.Scope, images, targets, weights *Node) *Node {
	loss, grads := lossAndGrads(s.Model, s.vars, scope, s.stepImages(images), targets, weights)
	g := images.Graph()
	for i, v := range s.vars {
		acc := stateVar(s.Store, OptimizerScope, v, "acc")
		acc.SetNodeValue(Add(acc.NodeValue(g), ConvertDType(grads[i], dtypes.Float32)))
	}
	return loss
}

func (s *Stepper) applyGraph(scope *model.Scope, lr *Node) *Node {
	g := lr.Graph()
	livevars.Live(scope, g)
	grads := make([]*Node, len(s.vars))
	for i, v := range s.vars {
		acc := stateVar(s.Store, OptimizerScope, v, "acc")
		grads[i] = DivScalar(acc.NodeValue(g), float64(s.Accum))
		acc.SetNodeValue(ZerosLike(grads[i]))
	}
	return s.Opt.Apply(s.Store, s.vars, grads, lr)
}

// Step runs one optimizer step over len(micro) == Accum micro-batches and returns the mean
// loss and the global gradient norm before clipping. Unlike Prepare, it leaves micro's
// tensors to the caller, who may pass them again (they stay on the device).
func (s *Stepper) Step(micro []MicroBatch, lr float64) (loss, gradNorm float64, err error) {
	p, err := s.prepare(micro, false)
	if err != nil {
		return 0, 0, err
	}
	return s.StepPrepared(p, lr)
}

// StepCount is the number of optimizer steps applied so far (restored with checkpoints).
func StepCount(store *model.Store) int64 {
	v := store.GetVariable(OptimizerScope + "/step")
	if v == nil || !v.HasValue() {
		return 0
	}
	return tensors.ToScalar[int64](v.MustValue())
}

// Finalize releases the compiled graphs.
func (s *Stepper) Finalize() {
	for _, e := range []*model.Exec{s.fused, s.micro, s.apply, s.fusedMix, s.microMix} {
		if e != nil {
			e.Finalize()
		}
	}
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	panic(fmt.Sprintf("train: expected a float scalar, got %s", t.Shape()))
}
