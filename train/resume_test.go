package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/imagenet"
)

func loadAll(t *testing.T, path string) map[string][]byte {
	t.Helper()
	store := model.NewStore()
	if _, err := checkpoint.Load(path, store, nil); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for v := range store.IterVariables() {
		_ = v.MustValue().ConstBytes(func(b []byte) { out[v.Path()] = append([]byte(nil), b...) })
	}
	return out
}

func trainLosses(t *testing.T, dir string) map[int64]float64 {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[int64]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Kind == "train" {
			if _, dup := out[r.Step]; dup {
				t.Errorf("%s: step %d logged twice", dir, r.Step)
			}
			out[r.Step] = r.Loss
		}
	}
	return out
}

// TestResumeMatchesUninterruptedRun trains 2 epochs straight, and again stopped after 5
// steps (as a kill between steps would) and resumed from the checkpoint: every variable —
// weights, Adam moments, EMA, RNG state, step — and every logged loss must be identical,
// with drop path, Mixup/CutMix, EMA and a mid-epoch stop all in play.
func TestResumeMatchesUninterruptedRun(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4})
	checkResumeMatches(t, data)
}

// TestResumeMatchesUninterruptedRunOnShards is the same from packed shards (several tar
// files, a shuffle buffer smaller than the split), whose loader streams instead of
// permuting a listing.
func TestResumeMatchesUninterruptedRunOnShards(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4})
	ds, err := imagenet.Open(data, imagenet.Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	shards := filepath.Join(t.TempDir(), "shards")
	ix, err := imagenet.Pack(ds, shards, imagenet.PackOptions{ShardBytes: 8 << 10, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ix.Splits["train"].Shards); n < 3 {
		t.Fatalf("%d train shards, want several", n)
	}
	checkResumeMatches(t, shards, "data.shuffle_buffer=10")
}

func checkResumeMatches(t *testing.T, data string, sets ...string) {
	t.Helper()
	b := goBackend(t)
	straight := filepath.Join(t.TempDir(), "straight")
	sum, err := Run(context.Background(), Options{Config: tinyConfig(t, data, straight, sets...), Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Steps != 12 { // 48 images / batch 8 = 6 steps per epoch, 2 epochs
		t.Fatalf("straight run did %d steps, want 12", sum.Steps)
	}
	resumed := filepath.Join(t.TempDir(), "resumed")
	_, err = Run(context.Background(), Options{Config: tinyConfig(t, data, resumed, sets...), Backend: b, StopAfter: 5})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("stopped run: %v, want ErrInterrupted", err)
	}
	// Lines logged after the checkpoint of a real crash would be re-run: simulate them.
	f, _ := os.OpenFile(filepath.Join(resumed, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"kind":"train","step":6,"epoch":0,"loss":123}` + "\n")
	f.Close()
	sum2, err := Run(context.Background(), Options{Config: tinyConfig(t, data, resumed, sets...), Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	if sum2.ResumedAtStep != 5 || sum2.Steps != 12 {
		t.Fatalf("resumed at %d and ended at %d, want 5 and 12", sum2.ResumedAtStep, sum2.Steps)
	}
	a := loadAll(t, filepath.Join(straight, "checkpoints", checkpoint.Name(12)))
	c := loadAll(t, filepath.Join(resumed, "checkpoints", checkpoint.Name(12)))
	if len(a) != len(c) {
		t.Fatalf("%d variables vs %d", len(a), len(c))
	}
	kinds := map[string]bool{}
	for p, va := range a {
		vc, ok := c[p]
		if !ok {
			t.Errorf("resumed run lacks %s", p)
			continue
		}
		if string(va) != string(vc) {
			t.Errorf("variable %s differs between the straight and the resumed run", p)
		}
		switch {
		case strings.HasPrefix(p, "/optimizer"):
			kinds["optimizer"] = true
		case strings.HasPrefix(p, "/ema"):
			kinds["ema"] = true
		}
	}
	if !kinds["optimizer"] || !kinds["ema"] {
		t.Errorf("checkpoint lacks optimizer or EMA state: %v", kinds)
	}
	la, lc := trainLosses(t, straight), trainLosses(t, resumed)
	for s := int64(1); s <= 12; s++ {
		if la[s] != lc[s] || la[s] == 0 {
			t.Errorf("step %d: loss %v straight vs %v resumed", s, la[s], lc[s])
		}
	}
	if _, err := os.Stat(filepath.Join(straight, "curves.png")); err != nil {
		t.Errorf("no curves.png: %v", err)
	}
}
