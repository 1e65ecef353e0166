package train

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/checkpoint"
)

func epochRecords(t *testing.T, dir string) map[int]Record {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]Record{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if r.Kind == "epoch" {
			if _, dup := out[r.Epoch]; dup {
				t.Errorf("%s: epoch %d recorded twice", dir, r.Epoch)
			}
			out[r.Epoch] = r
		}
	}
	return out
}

// TestInterruptedValidationIsRedoneOnResume (issue 13 item 6): Ctrl-C after the first
// validation batch of an epoch stores no partial validation (neither in metrics.jsonl nor
// in the checkpoint); the resumed run redoes it, and its epoch record equals the straight
// run's, top-1 and mean loss included. Checked for a middle and for the last epoch.
func TestInterruptedValidationIsRedoneOnResume(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4}) // 12 val images, eval batch 6
	b := goBackend(t)
	straight := filepath.Join(t.TempDir(), "straight")
	if _, err := Run(context.Background(), Options{Config: tinyConfig(t, data, straight, "eval.every_epochs=1"), Backend: b}); err != nil {
		t.Fatal(err)
	}
	want := epochRecords(t, straight)
	for _, epoch := range []int{1, 2} { // 6 steps per epoch, 2 epochs
		run := filepath.Join(t.TempDir(), "run")
		cfg := tinyConfig(t, data, run, "eval.every_epochs=1")
		ctx, cancel := context.WithCancel(context.Background())
		_, err := runTweaked(ctx, Options{Config: cfg, Backend: b}, func(r *runner) {
			r.afterStep = func(step int64) {
				if step == int64(6*epoch) { // the epoch's last step: its validation comes next
					r.predictor.AfterBatch = cancel
				}
			}
		})
		cancel()
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("epoch %d: interrupted validation: %v, want ErrInterrupted", epoch, err)
		}
		if recs := epochRecords(t, run); len(recs) != epoch-1 {
			t.Errorf("epoch %d: metrics.jsonl holds %d epoch records after the interrupt, want %d (no partial validation)", epoch, len(recs), epoch-1)
		}
		latest, _ := checkpoint.Latest(filepath.Join(run, "checkpoints"))
		meta, err := checkpoint.ReadMeta(latest)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := meta.Metrics["val_top1"]; ok || meta.Step != int64(6*epoch) || meta.Epoch != epoch-1 || meta.EpochStep != 6 {
			t.Errorf("epoch %d: interrupt checkpoint %+v: want step %d, epoch %d, epoch_step 6, no val_top1", epoch, meta, 6*epoch, epoch-1)
		}
		sum, err := Run(context.Background(), Options{Config: cfg, Backend: b})
		if err != nil {
			t.Fatalf("epoch %d: resume: %v", epoch, err)
		}
		if sum.Steps != 12 || sum.ResumedAtStep != int64(6*epoch) {
			t.Errorf("epoch %d: resumed at %d, ended at %d", epoch, sum.ResumedAtStep, sum.Steps)
		}
		got := epochRecords(t, run)
		for e := 1; e <= 2; e++ {
			g, w := got[e], want[e]
			if g.ValTop1 != w.ValTop1 || g.ValLoss != w.ValLoss || g.Loss != w.Loss || g.EMATop1 != w.EMATop1 || g.ValLoss == 0 {
				t.Errorf("interrupted in epoch %d: epoch %d record %+v, straight run %+v", epoch, e, g, w)
			}
		}
	}
}

// TestResumedEpochMeanLossCoversTheWholeEpoch (issue 13 item 15): stopped after step 4 of
// the first epoch's 6 and resumed, the epoch's reported mean loss is over all 6 steps.
func TestResumedEpochMeanLossCoversTheWholeEpoch(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4})
	b := goBackend(t)
	straight := filepath.Join(t.TempDir(), "straight")
	if _, err := Run(context.Background(), Options{Config: tinyConfig(t, data, straight, "optim.epochs=1"), Backend: b}); err != nil {
		t.Fatal(err)
	}
	resumed := filepath.Join(t.TempDir(), "resumed")
	cfg := tinyConfig(t, data, resumed, "optim.epochs=1")
	if _, err := Run(context.Background(), Options{Config: cfg, Backend: b, StopAfter: 4}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), Options{Config: cfg, Backend: b}); err != nil {
		t.Fatal(err)
	}
	losses := trainLosses(t, straight)
	var mean float64
	for s := int64(1); s <= 6; s++ {
		mean += losses[s] / 6
	}
	w, g := epochRecords(t, straight)[1].Loss, epochRecords(t, resumed)[1].Loss
	if g != w || math.Abs(w-mean) > 1e-9 {
		t.Errorf("epoch 1 mean loss: resumed %.6f, straight %.6f, mean of the 6 step losses %.6f", g, w, mean)
	}
}
