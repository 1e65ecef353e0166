package train

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/schollz/progressbar/v3"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/imagenet"
)

func (r *runner) loop(ctx context.Context) (Summary, error) {
	meta := r.resumeMeta
	lc := &loopState{step: StepCount(r.store), micro: r.cfg.Optim.BatchSize / r.microPerStep}
	lc.sum = Summary{ResumedAtStep: lc.step, BestTop1: meta.Metrics["best_top1"]}
	r.bestTop1 = lc.sum.BestTop1
	r.bestLoss = math.Inf(1)
	if l, ok := meta.Metrics["best_loss"]; ok && r.bestTop1 > 0 {
		r.bestLoss = l
	}
	epoch, startMicro := meta.Epoch, meta.EpochStep
	if lc.step == 0 {
		epoch, startMicro = 0, 0
	}
	r.lastSave = time.Now()
	start := time.Now()
	// Resuming mid-epoch continues that epoch's running loss; a run interrupted during an
	// epoch's validation (startMicro at the epoch's end, perhaps the last epoch) redoes it.
	r.epochLossSum, r.epochLossSteps = meta.EpochLossSum, meta.EpochLossSteps
	if startMicro == 0 {
		r.epochLossSum, r.epochLossSteps = 0, 0
	}
	for ; lc.step < r.sched.Total || startMicro > 0; epoch++ {
		ep, err := r.trainEpoch(ctx, lc, epoch, startMicro)
		if err != nil {
			return lc.sum, err
		}
		startMicro = 0
		if err := r.endEpoch(ctx, lc, epoch, ep); err != nil {
			return lc.sum, err
		}
	}
	sum := lc.sum
	sum.Steps = lc.step
	sum.BestTop1 = r.bestTop1
	sum.Seconds = time.Since(start).Seconds()
	if lc.trainSec > 0 {
		sum.ImagesPerSec = float64(lc.trainImages) / lc.trainSec
	}
	sum.FailedFiles = r.trainLoader.Stats().Failed
	sum.Checkpoint, _ = checkpoint.Latest(r.ckptDir)
	return sum, nil
}

// loopState is what the loop carries across epochs.
type loopState struct {
	sum          Summary
	step         int64
	stepsThisRun int
	micro        int // images per micro-batch
	// trainImages over trainSec is the run's throughput, the compiling first step left out.
	trainImages int
	trainSec    float64
}

// epochStats is one epoch's timing, for its record.
type epochStats struct {
	start      time.Time
	microDone  int
	wait       float64 // seconds steps waited for data
	compute    float64 // seconds in timed steps
	timedSteps int
}

// trainEpoch runs the optimizer steps of one epoch from startMicro. An error (an
// interrupt, --stop-after, or a failure) means the loop must return lc.sum with it.
func (r *runner) trainEpoch(ctx context.Context, lc *loopState, epoch, startMicro int) (ep epochStats, err error) {
	ep = epochStats{start: time.Now(), microDone: startMicro}
	total := r.sched.Total
	var bar *progressbar.ProgressBar
	stepsLeftInEpoch := r.stepsPerEp - startMicro/r.microPerStep
	if r.opts.Progress && stepsLeftInEpoch > 0 {
		bar = progressbar.NewOptions(stepsLeftInEpoch, progressbar.OptionSetWriter(r.out),
			progressbar.OptionSetDescription(fmt.Sprintf("epoch %d", epoch+1)), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(r.out) }))
	}
	// The steps this epoch runs, as the loop condition below counts them.
	toRun := min(int64((r.stepsPerEp*r.microPerStep-startMicro)/r.microPerStep), total-lc.step)
	stage := r.startStage(ctx, epoch, startMicro, int(max(toRun, 0)))
	defer stage.stop()
	for lc.step < total && ep.microDone+r.microPerStep <= r.stepsPerEp*r.microPerStep {
		t0 := time.Now()
		next, ok := <-stage.steps
		wait := time.Since(t0).Seconds()
		if ctx.Err() != nil {
			_ = next.prep.Release() // never run: nothing to report
			stage.stop()
			lc.sum, err = r.interrupt(lc.sum, lc.step, epoch, ep.microDone)
			return ep, err
		}
		if !ok {
			break
		}
		if next.err != nil {
			return ep, next.err
		}
		lr := r.sched.LR(lc.step)
		t0 = time.Now()
		loss, gnorm, err := r.stepper.StepPrepared(next.prep, lr)
		if err != nil {
			return ep, err
		}
		sec := time.Since(t0).Seconds()
		lc.step++
		lc.stepsThisRun++
		ep.microDone += r.microPerStep
		r.epochLossSum += loss
		r.epochLossSteps++
		ep.wait += wait
		lc.sum.DataWaitSec += wait
		if lc.stepsThisRun > 1 { // the first step compiles
			lc.trainImages += lc.micro * r.microPerStep
			lc.trainSec += sec + wait
			ep.compute += sec
			ep.timedSteps++
		}
		lc.sum.FinalLoss = loss
		ips := float64(lc.micro*r.microPerStep) / (sec + wait)
		if every := r.cfg.Log.EverySteps; every > 0 && (lc.step%int64(every) == 0 || lc.step == 1) {
			if err := r.metrics.add(Record{Kind: "train", Step: lc.step, Epoch: epoch, Loss: loss, LR: lr, GradNorm: gnorm,
				ImagesPerSec: ips, DataWaitSec: wait}); err != nil {
				return ep, err
			}
		}
		if bar != nil {
			bar.Describe(fmt.Sprintf("epoch %d loss %.4f lr %.2e %.1f img/s", epoch+1, loss, lr, ips))
			_ = bar.Add(1)
		}
		if r.afterStep != nil {
			r.afterStep(lc.step)
		}
		if r.dueCheckpoint(lc.step) {
			if err := r.save(lc.step, epoch, ep.microDone, nil); err != nil {
				return ep, err
			}
		}
		if r.opts.StopAfter > 0 && lc.stepsThisRun >= r.opts.StopAfter {
			stage.stop()
			if lc.sum, err = r.stopAt(lc.sum, lc.step, epoch, ep.microDone); err != nil {
				return ep, err
			}
			return ep, ErrInterrupted
		}
	}
	stage.stop()
	if bar != nil {
		_ = bar.Finish()
	}
	return ep, nil
}

// endEpoch records a finished epoch, validates when due, and writes the epoch's
// checkpoint (and the best one). An error means the loop must return lc.sum with it.
func (r *runner) endEpoch(ctx context.Context, lc *loopState, epoch int, ep epochStats) (err error) {
	cfg := r.cfg
	lc.sum.Epochs = epoch + 1
	rec := Record{Kind: "epoch", Step: lc.step, Epoch: epoch + 1, Seconds: time.Since(ep.start).Seconds(),
		DataWaitSec: ep.wait, FailedFiles: r.trainLoader.Stats().Failed}
	if r.epochLossSteps > 0 {
		rec.Loss = r.epochLossSum / float64(r.epochLossSteps)
	}
	if ep.timedSteps > 0 {
		rec.ImagesPerSec = float64(ep.timedSteps*lc.micro*r.microPerStep) / (ep.compute + ep.wait)
	}
	r.printf("epoch %d: loss %.4f, %.1f images/s, steps waited %.1fs for data\n", epoch+1, rec.Loss, rec.ImagesPerSec, ep.wait)
	if stats := r.trainLoader.Stats(); stats.Failed > 0 {
		r.printf("  %d unreadable files so far (replaced by readable ones), e.g. %s\n", stats.Failed, strings.Join(stats.FailedExamples, "; "))
	}
	isLast := lc.step >= r.sched.Total
	if r.predictor != nil && ((epoch+1)%max(cfg.Eval.EveryEpochs, 1) == 0 || isLast) {
		res, err := r.validate(ctx, false)
		if err != nil {
			if ctx.Err() != nil {
				lc.sum, err = r.interruptValidation(lc.sum, lc.step, epoch, ep.microDone)
			}
			return err
		}
		rec.ValTop1, rec.ValTop5, rec.ValLoss = res.Top1, res.Top5, res.Loss
		lc.sum.ValTop1, lc.sum.ValTop5 = res.Top1, res.Top5
		r.printf("  validation: top-1 %.2f%%, top-5 %.2f%%, loss %.4f (%d images, %.0f images/s)\n", res.Top1, res.Top5, res.Loss, res.Images, res.ImagesPerSec)
		if cfg.Optim.EMADecay > 0 {
			ema, err := r.validate(ctx, true)
			if err != nil {
				if ctx.Err() != nil {
					lc.sum, err = r.interruptValidation(lc.sum, lc.step, epoch, ep.microDone)
				}
				return err
			}
			rec.EMATop1, rec.EMATop5 = ema.Top1, ema.Top5
			lc.sum.EMATop1 = ema.Top1
			r.printf("  validation (EMA): top-1 %.2f%%, top-5 %.2f%%\n", ema.Top1, ema.Top5)
		}
	}
	if err := r.metrics.add(rec); err != nil {
		return err
	}
	if err := r.metrics.plot(filepath.Join(r.dir, "curves.png")); err != nil {
		r.printf("  (plot failed: %v)\n", err)
	}
	best := max(rec.ValTop1, rec.EMATop1)
	var isBest bool
	// Ties in top-1 (common once a small task saturates) go to the lower val loss.
	if best > r.bestTop1 || (best == r.bestTop1 && best > 0 && rec.ValLoss < r.bestLoss) {
		r.bestTop1, r.bestLoss, isBest = best, rec.ValLoss, true
	}
	nextEpoch, nextMicro := epoch+1, 0
	r.epochLossSum, r.epochLossSteps = 0, 0
	valMetrics := map[string]float64{"val_top1": rec.ValTop1, "ema_val_top1": rec.EMATop1}
	if err := r.save(lc.step, nextEpoch, nextMicro, valMetrics); err != nil {
		return err
	}
	if isBest && cfg.Checkpoint.KeepBest {
		if err := r.saveTo(filepath.Join(r.ckptDir, checkpoint.BestName), lc.step, nextEpoch, nextMicro, valMetrics); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		lc.sum, err = r.interrupt(lc.sum, lc.step, nextEpoch, 0)
		return err
	}
	return nil
}

// microBatch turns a loader batch into model inputs: soft targets (Mixup/CutMix or
// smoothed one-hots) and the padding mask. Mixing draws from a generator seeded by
// (seed, epoch, micro-step), so a resumed run mixes exactly as the original would have.
// An 8-bit batch gets CutMix here, on its bytes, and Mixup in the step graph, from the same
// draws (augment.Mixer.ApplyPixels); a run without Mixup sends no blend inputs at all.
func (r *runner) microBatch(b imagenet.Batch, epoch, microStep int) MicroBatch {
	c := r.cfg.Model
	n := len(b.Labels)
	var targets []float32
	var plan *augment.MixPlan // nil: the step graph has no mixing ops
	if r.mix != nil {
		rng := imagenet.SampleRNG(r.cfg.Seed^mixSeed, epoch, microStep)
		if b.Pixels != nil {
			var p augment.MixPlan
			targets, _, p = r.mix.ApplyPixels(b.Pixels, b.Labels, b.Valid, n, c.ImageSize, c.ImageSize, rng)
			if r.mix.Config().MixupAlpha > 0 {
				plan = &p
			}
		} else {
			targets, _ = r.mix.Apply(b.Images, b.Labels, b.Valid, n, c.ImageSize, c.ImageSize, rng)
		}
	} else {
		targets = augment.SmoothLabels(b.Labels, c.NumClasses, r.cfg.Augment.LabelSmoothing)
	}
	weights := make([]float32, n)
	for i := range weights {
		if b.Indices[i] >= 0 {
			weights[i] = 1
		}
	}
	if b.Pixels != nil {
		return PixelMicroBatch(b.Pixels, n, c.ImageSize, c.ImageSize, plan, targets, weights, c.NumClasses)
	}
	return MicroBatch{
		Images:  tensors.FromFlatDataAndDimensions(b.Images, n, c.ImageSize, c.ImageSize, c.Channels),
		Targets: tensors.FromFlatDataAndDimensions(targets, n, c.NumClasses),
		Weights: tensors.FromFlatDataAndDimensions(weights, n),
	}
}

// validate evaluates the current weights (or their EMA) on the validation split.
func (r *runner) validate(ctx context.Context, ema bool) (eval.Result, error) {
	for _, v := range ModelVars(r.store) {
		src := v
		if ema {
			src = r.store.GetVariable(EMAScope + v.Path())
		}
		// The eval store borrows the tensors: SetValue would finalize the previous (shared) one.
		if err := r.evalStore.GetVariable(v.Path()).SetValuePreservingOld(src.MustValue()); err != nil {
			return eval.Result{}, err
		}
	}
	return eval.Evaluate(ctx, r.predictor, r.valLoader, r.classes)
}

func (r *runner) dueCheckpoint(step int64) bool {
	c := r.cfg.Checkpoint
	if c.EverySteps > 0 && step%int64(c.EverySteps) == 0 {
		return true
	}
	return c.EveryMinutes > 0 && time.Since(r.lastSave).Minutes() >= c.EveryMinutes
}

// save writes step's checkpoint (resume point: epoch, micro-batches done in it) and prunes.
func (r *runner) save(step int64, epoch, microDone int, metrics map[string]float64) error {
	if err := r.saveTo(filepath.Join(r.ckptDir, checkpoint.Name(step)), step, epoch, microDone, metrics); err != nil {
		return err
	}
	r.lastSave = time.Now()
	return checkpoint.Prune(r.ckptDir, r.cfg.Checkpoint.KeepLast)
}

func (r *runner) saveTo(path string, step int64, epoch, microDone int, metrics map[string]float64) error {
	if metrics == nil {
		metrics = map[string]float64{}
	}
	metrics["best_top1"] = r.bestTop1
	if !math.IsInf(r.bestLoss, 0) {
		metrics["best_loss"] = r.bestLoss
	}
	return checkpoint.Save(path, r.store, checkpoint.Meta{Step: step, Epoch: epoch, EpochStep: microDone,
		Metrics: metrics, Config: r.configYAML, Classes: r.classes,
		EpochLossSum: r.epochLossSum, EpochLossSteps: r.epochLossSteps})
}

// stopAt saves the resume point of a run that stops before its end (an interrupt,
// --stop-after) and records it in sum.
func (r *runner) stopAt(sum Summary, step int64, epoch, microDone int) (Summary, error) {
	if err := r.save(step, epoch, microDone, nil); err != nil {
		return sum, err
	}
	sum.Steps = step
	sum.Checkpoint, _ = checkpoint.Latest(r.ckptDir)
	return sum, nil
}

func (r *runner) interrupt(sum Summary, step int64, epoch, microDone int) (Summary, error) {
	sum, err := r.stopAt(sum, step, epoch, microDone)
	if err != nil {
		return sum, fmt.Errorf("interrupted, and saving the checkpoint failed: %w", err)
	}
	r.printf("\ninterrupted at step %d: checkpoint saved in %s\n", step, r.ckptDir)
	return sum, ErrInterrupted
}

// interruptValidation handles Ctrl-C during an epoch's validation: the partial result is
// neither logged nor saved as the epoch's; the checkpoint's resume point is the end of the
// epoch's steps, so re-running the command redoes the validation (and the epoch's record).
func (r *runner) interruptValidation(sum Summary, step int64, epoch, microDone int) (Summary, error) {
	r.printf("\ninterrupted during the validation of epoch %d: not recorded; re-running the command redoes it\n", epoch+1)
	return r.interrupt(sum, step, epoch, microDone)
}
