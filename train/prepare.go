package train

import (
	"errors"
	"fmt"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// Prepared is one optimizer step's inputs, validated and already on the devices the step
// runs on, so that the host→device transfer can overlap the previous step. Stepper.Prepare
// makes it (on any goroutine) and StepPrepared consumes it. It is used once: the device
// buffers it owns are freed as soon as the step has read them, or by Release when the step
// never runs (an interrupted run), so input buffers do not pile up across steps.
//
// The Exec does not donate *tensors.Tensor arguments: it borrows their device buffers and
// leaves them allocated, so without this they would live until the garbage collector finds
// them. Freeing right after the call is as prompt as donating them (graph.DonateTensorBuffer)
// and, unlike a donated buffer, is not lost when the call fails before running (compiling).
type Prepared struct {
	s     *Stepper
	micro []preparedMicro
	kind  int // of the micro-batches (all the same): which step graphs run them

	mu   sync.Mutex
	used bool
}

type preparedMicro struct {
	perDevice [][]any           // the Exec arguments (MicroBatch.args) of each device
	owned     []*tensors.Tensor // what to free once the micro-batch ran
}

// Release frees a step that will not run. It does nothing once the step ran or was released,
// so it is safe to call on every exit path.
func (p *Prepared) Release() error {
	if p == nil || !p.take() {
		return nil
	}
	return p.free()
}

// take claims the step for its one use.
func (p *Prepared) take() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.used {
		return false
	}
	p.used = true
	return true
}

func (p *Prepared) free() error {
	var errs []error
	for i := range p.micro {
		errs = append(errs, p.freeMicro(i))
	}
	return errors.Join(errs...)
}

func (p *Prepared) freeMicro(i int) error {
	m := &p.micro[i]
	var errs []error
	for _, t := range m.owned {
		if err := t.FinalizeAll(); err != nil {
			errs = append(errs, fmt.Errorf("free micro-batch %d input %s: %w", i, t.Shape(), err))
		}
	}
	m.owned, m.perDevice = nil, nil
	return errors.Join(errs...)
}

// Prepare validates a step's micro-batches (len(micro) == Accum, shapes the step graph
// expects) and moves them to the devices: shard d of a data-parallel step to device d. It
// takes ownership of micro's tensors: they are freed after StepPrepared (or Release), so the
// caller must not use them again. It may run concurrently with StepPrepared of an earlier
// step.
func (s *Stepper) Prepare(micro []MicroBatch) (*Prepared, error) {
	return s.prepare(micro, true)
}

// prepare is Prepare; with own false the caller keeps micro's tensors (Step's contract), and
// only the shard copies made for several devices are the step's to free.
func (s *Stepper) prepare(micro []MicroBatch, own bool) (*Prepared, error) {
	if err := s.checkMicro(micro); err != nil {
		return nil, err
	}
	p := &Prepared{s: s, micro: make([]preparedMicro, len(micro)), kind: micro[0].kind()}
	ok := false
	defer func() {
		if !ok {
			_ = p.Release() // the transfer error is the one to report
		}
	}()
	devices := s.Devices()
	for i, mb := range micro {
		inputs, batchMajor := mb.args()
		args, err := s.shardArgsSpec(inputs, batchMajor)
		if err != nil {
			return nil, fmt.Errorf("train step: micro-batch %d: %w", i, err)
		}
		pm := &p.micro[i]
		sharded := devices > 1
		if sharded {
			// shardArgs copied every input: all the shards are the step's.
			for _, a := range args {
				pm.owned = append(pm.owned, a.(*tensors.Tensor))
			}
			if own {
				// The whole-batch host tensors are not needed once split.
				for _, t := range inputs {
					if err := t.FinalizeAll(); err != nil {
						return nil, fmt.Errorf("train step: free micro-batch %d after sharding: %w", i, err)
					}
				}
			}
		} else if own {
			pm.owned = append(pm.owned, inputs...)
		}
		perDevice := len(inputs)
		for d := range devices {
			for _, a := range args[d*perDevice : (d+1)*perDevice] {
				// share: on backends whose buffers live in host memory (the Go backend, XLA on
				// CPU) the data is copied once into a backend-owned buffer and the Go copy
				// dropped, rather than the tensor keeping both; elsewhere (GPU) it is the usual
				// transfer. It is also what the Exec would do with a host tensor.
				if err := a.(*tensors.Tensor).MaterializeOnDevice(s.backend, true, compute.DeviceNum(d)); err != nil {
					return nil, fmt.Errorf("train step: move micro-batch %d to device %d: %w", i, d, err)
				}
			}
			pm.perDevice = append(pm.perDevice, args[d*perDevice:(d+1)*perDevice])
		}
	}
	ok = true
	return p, nil
}

// checkMicro checks what the step graph would otherwise fail on deep inside (or, for a new
// batch size, silently compile a second graph for).
func (s *Stepper) checkMicro(micro []MicroBatch) error {
	if len(micro) != s.Accum {
		return fmt.Errorf("train step: got %d micro-batches, want accum_steps = %d", len(micro), s.Accum)
	}
	c := s.Model.Config
	batch := 0
	for i, mb := range micro {
		imgName, images, channels := "images", mb.Images, c.Channels
		if mb.isPixels() {
			imgName, images, channels = "pixels", mb.Pixels, 3
		}
		if mb.kind() != micro[0].kind() {
			return fmt.Errorf("train step: micro-batch %d and micro-batch 0 differ in kind (floats, pixels, or pixels with mixing)", i)
		}
		for _, in := range []struct {
			name string
			t    *tensors.Tensor
		}{{imgName, images}, {"targets", mb.Targets}, {"weights", mb.Weights}} {
			if err := in.t.CheckValid(); err != nil {
				return fmt.Errorf("train step: micro-batch %d %s: %w", i, in.name, err)
			}
		}
		n := 0
		if dims := images.Shape().Dimensions; len(dims) > 0 {
			n = dims[0]
		}
		if n < 1 {
			return fmt.Errorf("train step: micro-batch %d %s have shape %s, want [batch, %d, %d, %d] with batch >= 1",
				i, imgName, images.Shape(), c.ImageSize, c.ImageSize, channels)
		}
		wantImages := s.Model.InputShape(n)
		if mb.isPixels() {
			wantImages = s.Model.PixelInputShape(n)
			if err := s.checkPixelInputs(i, n, mb); err != nil {
				return err
			}
		}
		for _, in := range []struct {
			name      string
			got, want shapes.Shape
		}{
			{imgName, images.Shape(), wantImages},
			{"targets", mb.Targets.Shape(), shapes.Make(dtypes.Float32, n, c.NumClasses)},
			{"weights", mb.Weights.Shape(), shapes.Make(dtypes.Float32, n)},
		} {
			if !in.got.Equal(in.want) {
				return fmt.Errorf("train step: micro-batch %d %s have shape %s, want %s", i, in.name, in.got, in.want)
			}
		}
		if i > 0 && n != batch {
			return fmt.Errorf("train step: micro-batch %d holds %d examples but micro-batch 0 holds %d: accumulated micro-batches must be the same size",
				i, n, batch)
		}
		batch = n
	}
	s.batchMu.Lock()
	defer s.batchMu.Unlock()
	if s.batch == 0 {
		s.batch = batch
	} else if batch != s.batch {
		return fmt.Errorf("train step: micro-batch of %d examples, but the step graph was built for %d (each size would compile a graph of its own; the loader pads short batches to keep one)",
			batch, s.batch)
	}
	return nil
}

// StepPrepared runs one optimizer step on inputs from Prepare and returns the mean loss and
// the global gradient norm before clipping. p is spent afterwards, whether the step succeeded
// or not.
func (s *Stepper) StepPrepared(p *Prepared, lr float64) (loss, gradNorm float64, err error) {
	if p == nil {
		return 0, 0, errors.New("train step: no prepared inputs (nil)")
	}
	if p.s != s {
		return 0, 0, errors.New("train step: the inputs were prepared by another Stepper")
	}
	if !p.take() {
		return 0, 0, errors.New("train step: the prepared inputs were already used or released (a Prepared serves one step)")
	}
	defer func() {
		if ferr := p.free(); ferr != nil && err == nil {
			err = fmt.Errorf("train step: %w", ferr)
		}
	}()
	lrArgs, err := s.shardArgs(tensors.FromScalar(float32(lr)))
	if err != nil {
		return 0, 0, fmt.Errorf("train step: learning rate: %w", err)
	}
	defer finalizeArgs(lrArgs)
	// With several devices every output comes once per device (replicated): take device 0's.
	fused, micro := s.execs(p.kind)
	if s.Accum == 1 {
		var args []any
		for d, in := range p.micro[0].perDevice {
			args = append(append(args, in...), lrArgs[d])
		}
		outs, err := fused.Call(args...)
		if err != nil {
			return 0, 0, fmt.Errorf("train step: %w", err)
		}
		defer finalizeAll(outs)
		return scalar(outs[0]), scalar(outs[1]), nil
	}
	for i := range p.micro {
		var args []any
		for _, in := range p.micro[i].perDevice {
			args = append(args, in...)
		}
		outs, err := micro.Call(args...)
		if err != nil {
			return 0, 0, fmt.Errorf("train micro-step %d of %d: %w", i+1, s.Accum, err)
		}
		loss += scalar(outs[0]) / float64(s.Accum)
		finalizeAll(outs)
		// Freed as soon as it ran, so the next step's inputs (prepared meanwhile) take the
		// place of this step's instead of adding to them: accumulation is there to save memory.
		if err := p.freeMicro(i); err != nil {
			return 0, 0, fmt.Errorf("train micro-step %d of %d: %w", i+1, s.Accum, err)
		}
	}
	outs, err := s.apply.Call(lrArgs...)
	if err != nil {
		return 0, 0, fmt.Errorf("train apply step: %w", err)
	}
	defer finalizeAll(outs)
	return loss, scalar(outs[0]), nil
}

// finalizeAll frees step outputs once read: they are scalars nothing else refers to (the
// updated variables are not among them), and freeing them now keeps device memory flat
// instead of waiting for the garbage collector. A failure could only be a double free.
func finalizeAll(ts []*tensors.Tensor) {
	for _, t := range ts {
		_ = t.FinalizeAll()
	}
}

func finalizeArgs(args []any) {
	for _, a := range args {
		_ = a.(*tensors.Tensor).FinalizeAll()
	}
}
