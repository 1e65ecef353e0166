package train

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/run"
)

// (e) Evaluating a trained fixture on 8-bit batches gives the top-1 of the
// float path. The two see slightly different pixels (the float eval transform skips the
// 8-bit rounding PIL does, at most half a level), so the loss may move in its last digits
// but no prediction of this fixture flips.
func TestEvalOnPixelsMatchesFloats(t *testing.T) {
	b := goBackend(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	writeTree(t, data, map[string]int{"train": 8, "val": 10})
	out := filepath.Join(dir, "run")
	// crop_pct 0.8 makes the eval transform resample (16 px images resized to 20, cropped to
	// 16), so the two paths really see different pixels.
	sum, err := Run(context.Background(), Options{Config: tinyConfig(t, data, out, "augment.crop_pct=0.8", "data.batches=uint8"), Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := run.Load(b, out, false)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := imagenet.Open(data, imagenet.Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	tf, err := loaded.Config.EvalTransform()
	if err != nil {
		t.Fatal(err)
	}
	evaluate := func(pixels bool) eval.Result {
		p, err := eval.NewPredictor(b, loaded.Model, loaded.Store, 7)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Finalize()
		p.PixelNorm = configs.PixelNormOf(tf.Normalisation())
		l, err := imagenet.NewLoader(ds.Val, imagenet.LoaderConfig{BatchSize: 7, Workers: 2, Transform: tf, NoSubstitute: true, Pixels: pixels})
		if err != nil {
			t.Fatal(err)
		}
		res, err := eval.Evaluate(context.Background(), p, l, ds.Classes)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	f, px := evaluate(false), evaluate(true)
	t.Logf("floats: top-1 %.2f%% loss %.6f; pixels: top-1 %.2f%% loss %.6f; the run's own validation %.2f%%", f.Top1, f.Loss, px.Top1, px.Loss, sum.ValTop1)
	if f.Images != 30 || px.Images != 30 {
		t.Fatalf("%d and %d images evaluated, want 30", f.Images, px.Images)
	}
	if f.Top1 != px.Top1 || f.Top5 != px.Top5 {
		t.Errorf("top-1/top-5 %v/%v on floats, %v/%v on pixels", f.Top1, f.Top5, px.Top1, px.Top5)
	}
	if px.Top1 != sum.ValTop1 {
		t.Errorf("the run validated at top-1 %v, its checkpoint evaluates at %v", sum.ValTop1, px.Top1)
	}
	if math.Abs(f.Loss-px.Loss) > 1e-3 {
		t.Errorf("loss %.6f on floats, %.6f on pixels", f.Loss, px.Loss)
	}
	if f.Top1 < 50 {
		t.Errorf("top-1 %.2f%%: the fixture did not learn, the comparison says little", f.Top1)
	}
}

// Resuming is bit-identical on 8-bit batches too (CutMix on the bytes, Mixup in the graph,
// both seeded per micro-step), from folders and from packed shards; the Go backend's
// default is float32, which resume_test.go covers.
func TestResumeMatchesUninterruptedRunOnPixels(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4})
	checkResumeMatches(t, data, "data.batches=uint8")
}

func TestResumeMatchesUninterruptedRunOnPixelShards(t *testing.T) {
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4})
	ds, err := imagenet.Open(data, imagenet.Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	shards := filepath.Join(t.TempDir(), "shards")
	if _, err := imagenet.Pack(ds, shards, imagenet.PackOptions{ShardBytes: 8 << 10, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	checkResumeMatches(t, shards, "data.shuffle_buffer=10", "data.batches=uint8")
}

// Whole runs on the two paths agree where their inputs are the same: the fixture's 16-px
// images at 16 px without crops resample to whole 8-bit values and erasing is off, so the
// only difference left is where normalisation and Mixup/CutMix happen (host or graph).
func TestTrainingOnPixelsMatchesFloatBatches(t *testing.T) {
	b := goBackend(t)
	data := t.TempDir()
	writeTree(t, data, map[string]int{"train": 16, "val": 4})
	var sums [2]Summary
	for i, kind := range []string{"uint8", "float32"} {
		var err error
		sums[i], err = Run(context.Background(), Options{Config: tinyConfig(t, data, filepath.Join(t.TempDir(), "run"), "data.batches="+kind), Backend: b})
		if err != nil {
			t.Fatal(err)
		}
	}
	px, f := sums[0], sums[1]
	t.Logf("final loss %.9g (pixels) %.9g (floats); val top-1 %v %v", px.FinalLoss, f.FinalLoss, px.ValTop1, f.ValTop1)
	if px.Steps != 12 || f.Steps != 12 {
		t.Fatalf("%d and %d steps, want 12", px.Steps, f.Steps)
	}
	if math.Abs(px.FinalLoss-f.FinalLoss) > 1e-6*math.Abs(f.FinalLoss) || px.ValTop1 != f.ValTop1 {
		t.Errorf("final loss %.9g vs %.9g, val top-1 %v vs %v", px.FinalLoss, f.FinalLoss, px.ValTop1, f.ValTop1)
	}
}

func TestPixelBatchesChoice(t *testing.T) {
	for _, c := range []struct {
		batches, backend string
		want             bool
	}{
		{"", "go", false}, {"auto", "go:parallelism=-1", false}, {"", "xla:cuda", true}, {"auto", "xla:cpu", true},
		{"uint8", "go", true}, {"float32", "xla:cuda", false}, {"", "goodbackend", true},
	} {
		cfg := tinyConfig(t, "d", "o", "data.batches="+c.batches)
		if got := cfg.PixelBatches(c.backend); got != c.want {
			t.Errorf("data.batches %q on %q: pixels %v, want %v", c.batches, c.backend, got, c.want)
		}
	}
	cfg := tinyConfig(t, "d", "o")
	cfg.Data.Batches = "uint16"
	if err := cfg.Validate(); err == nil {
		t.Error("data.batches = uint16 accepted")
	}
}
