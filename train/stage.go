package train

import (
	"context"
	"fmt"
	"sync"

	"github.com/tfvision/tfvision/imagenet"
)

// stagedStep is the next optimizer step's inputs, or why they could not be made.
type stagedStep struct {
	prep *Prepared
	err  error
}

// stepStage does the host side of training one step ahead of the loop: while step k runs it
// collects step k+1's micro-batches from the loader, turns them into model inputs
// (Mixup/CutMix, label smoothing, weights) and moves them to the devices. The channel holds
// one step: the loader already prefetches decoded batches, so a deeper queue would only hold
// more inputs on the device.
type stepStage struct {
	steps    <-chan stagedStep
	cancel   context.CancelFunc
	done     chan struct{}
	stopOnce sync.Once
}

// startStage starts preparing up to n steps of epoch, from micro-batch startMicro on.
func (r *runner) startStage(ctx context.Context, epoch, startMicro, n int) *stepStage {
	ctx, cancel := context.WithCancel(ctx)
	batches := r.trainLoader.Epoch(ctx, epoch, startMicro)
	out := make(chan stagedStep, 1)
	st := &stepStage{steps: out, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(st.done)
		r.prepareSteps(ctx, batches, out, epoch, startMicro, n)
		close(out)
		// Wait for stop before draining: draining now would have the loader decode the rest
		// of the epoch (when n stops short of it) for nothing while the last step runs.
		<-ctx.Done()
		for range batches { // so the loader's goroutines exit
		}
	}()
	return st
}

// prepareSteps sends n prepared steps, or fewer if the loader runs out (a final partial group
// of micro-batches is dropped) or ctx ends. It stops after sending an error.
func (r *runner) prepareSteps(ctx context.Context, batches <-chan imagenet.Batch, out chan<- stagedStep, epoch, microDone, n int) {
	for range n {
		mbs := make([]MicroBatch, 0, r.microPerStep)
		for len(mbs) < r.microPerStep {
			b, ok := <-batches
			if !ok {
				return
			}
			// Seeded by the micro-step index, as a resumed run needs to mix identically.
			mbs = append(mbs, r.microBatch(b, epoch, microDone+len(mbs)))
			r.trainLoader.Release(b) // the micro-batch's tensors are copies
		}
		if ctx.Err() != nil {
			return
		}
		p, err := r.stepper.Prepare(mbs)
		if err != nil {
			err = fmt.Errorf("prepare the inputs of the step from epoch %d, micro-batch %d: %w", epoch+1, microDone, err)
		}
		select {
		case out <- stagedStep{prep: p, err: err}:
		case <-ctx.Done():
			_ = p.Release() // never run: nothing to report
			return
		}
		if err != nil {
			return
		}
		microDone += r.microPerStep
	}
}

// stop cancels the stage and the loader, frees steps prepared but never run, and waits until
// the stage's goroutine and the loader's have finished. It may be called more than once.
func (st *stepStage) stop() {
	st.stopOnce.Do(func() {
		st.cancel()
		for s := range st.steps {
			_ = s.prep.Release() // never run: nothing to report
		}
		<-st.done
	})
}
