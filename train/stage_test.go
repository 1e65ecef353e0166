package train

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tfvision/tfvision/checkpoint"
)

// runTweaked is Run with a hook between setup and the loop.
func runTweaked(ctx context.Context, opts Options, tweak func(r *runner)) (Summary, error) {
	r := &runner{opts: opts, cfg: opts.Config, out: io.Discard}
	if opts.Out != nil {
		r.out = opts.Out
	}
	defer r.close()
	if err := r.setup(); err != nil {
		return Summary{}, err
	}
	tweak(r)
	return r.loop(ctx)
}

// expectNoLeak fails if goroutines started since before are still there after a short settle
// (the loader's workers finish just after closing their channel).
func expectNoLeak(t *testing.T, before int) {
	t.Helper()
	for range 200 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
	t.Errorf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf.String())
}

// TestInterruptMidEpochStopsTheStage cancels the context after step 2 of 6 of the first epoch,
// while the stage already holds step 3 prepared: the run must checkpoint step 2 (not 3), leave
// no goroutine behind, and resume into exactly the straight run (accumulation on, so the
// micro-step seeding of Mixup/CutMix is checked across the stage too).
func TestInterruptMidEpochStopsTheStage(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4})
	b := goBackend(t)
	sets := []string{"optim.accum_steps=2", "optim.epochs=1"}
	straight := filepath.Join(t.TempDir(), "straight")
	if _, err := Run(context.Background(), Options{Config: tinyConfig(t, data, straight, sets...), Backend: b}); err != nil {
		t.Fatal(err)
	}

	before := runtime.NumGoroutine()
	resumed := filepath.Join(t.TempDir(), "resumed")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sum, err := runTweaked(ctx, Options{Config: tinyConfig(t, data, resumed, sets...), Backend: b}, func(r *runner) {
		r.afterStep = func(step int64) {
			if step == 2 {
				cancel()
				// Let the stage notice mid-flight, as a real Ctrl-C would find it.
				time.Sleep(20 * time.Millisecond)
			}
		}
	})
	if !errors.Is(err, ErrInterrupted) || sum.Steps != 2 {
		t.Fatalf("interrupted run: steps %d, error %v; want 2, ErrInterrupted", sum.Steps, err)
	}
	expectNoLeak(t, before)
	latest, err := checkpoint.Latest(filepath.Join(resumed, "checkpoints"))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := checkpoint.ReadMeta(latest)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Step != 2 || meta.Epoch != 0 || meta.EpochStep != 4 {
		t.Fatalf("checkpoint at step %d, epoch %d, micro-batch %d; want 2, 0, 4", meta.Step, meta.Epoch, meta.EpochStep)
	}

	if _, err := Run(context.Background(), Options{Config: tinyConfig(t, data, resumed, sets...), Backend: b}); err != nil {
		t.Fatal(err)
	}
	a := loadAll(t, filepath.Join(straight, "checkpoints", checkpoint.Name(6)))
	c := loadAll(t, filepath.Join(resumed, "checkpoints", checkpoint.Name(6)))
	if len(a) != len(c) {
		t.Fatalf("%d variables vs %d", len(a), len(c))
	}
	for p, va := range a {
		if string(va) != string(c[p]) {
			t.Errorf("variable %s differs between the straight and the interrupted-and-resumed run", p)
		}
	}
	la, lc := trainLosses(t, straight), trainLosses(t, resumed)
	for s := int64(1); s <= 6; s++ {
		if la[s] != lc[s] || la[s] == 0 {
			t.Errorf("step %d: loss %v straight vs %v resumed", s, la[s], lc[s])
		}
	}
}

// TestPrepareErrorFailsTheRun: an input the step graph cannot take fails the run with an error
// that says where, instead of hanging or leaking the stage and loader goroutines.
func TestPrepareErrorFailsTheRun(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16})
	b := goBackend(t)
	before := runtime.NumGoroutine()
	_, err := runTweaked(context.Background(), Options{Config: tinyConfig(t, data, t.TempDir()), Backend: b}, func(r *runner) {
		r.stepper.batch = 3 // as if the graph had been built for batches of 3
	})
	if err == nil || !strings.Contains(err.Error(), "prepare the inputs of the step from epoch 1, micro-batch 0") ||
		!strings.Contains(err.Error(), "built for 3") {
		t.Fatalf("got %v, want the Prepare error with its position", err)
	}
	expectNoLeak(t, before)
}

// TestPrefetchCoversAStep: whatever data.prefetch says, the loader keeps at least one
// optimizer step (accum_steps micro-batches) decoded ahead.
func TestPrefetchCoversAStep(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 8, "val": 2})
	for _, tc := range []struct{ prefetch, accum, want int }{{1, 4, 4}, {6, 2, 6}} {
		cfg := tinyConfig(t, data, filepath.Join(t.TempDir(), "run"), "optim.accum_steps="+strconv.Itoa(tc.accum), "data.prefetch="+strconv.Itoa(tc.prefetch))
		r := &runner{opts: Options{Config: cfg, Backend: goBackend(t)}, cfg: cfg, out: io.Discard}
		if err := r.setup(); err != nil {
			t.Fatal(err)
		}
		if got := r.trainLoader.Prefetch(); got != tc.want {
			t.Errorf("prefetch %d, accum %d: loader prefetches %d micro-batches, want %d", tc.prefetch, tc.accum, got, tc.want)
		}
		r.close()
	}
}
