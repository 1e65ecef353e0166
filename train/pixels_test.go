package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/vision"
)

// randomPixels is n h×w RGB images of uniform bytes.
func randomPixels(n, h, w int, seed uint64) []uint8 {
	rng := rand.New(rand.NewPCG(seed, 1))
	px := make([]uint8, n*h*w*3)
	for i := range px {
		px[i] = uint8(rng.IntN(256))
	}
	return px
}

// graphImages runs vision.PixelsToImages on the Go backend; plan nil means no mixing input.
func graphImages(t *testing.T, px []uint8, n, h, w int, plan *augment.MixPlan, norm vision.PixelNorm) []float32 {
	t.Helper()
	b := goBackend(t)
	pt := tensors.FromFlatDataAndDimensions(append([]uint8(nil), px...), n, h, w, 3)
	var out *tensors.Tensor
	var err error
	if plan == nil {
		out, err = ExecOnce(b, func(p *Node) *Node { return vision.PixelsToImages(p, nil, nil, norm) }, pt)
	} else {
		out, err = ExecOnce(b, func(p, partner, mix *Node) *Node { return vision.PixelsToImages(p, partner, mix, norm) },
			pt, tensors.FromFlatDataAndDimensions(plan.Partner, n), tensors.FromFlatDataAndDimensions([]float32{plan.Self, plan.Other}, 2))
	}
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](out)
}

// (a) The graph's normalisation of a uint8 batch is the host float path's.
func TestPixelsToImagesNormalisesAsTheHost(t *testing.T) {
	const n, h, w = 3, 5, 7
	mean, std := augment.ImageNetMean, augment.ImageNetStd
	px := randomPixels(n, h, w, 1)
	px[0], px[1], px[2] = 128, 255, 0 // the ends of the range, and a value checked below
	want := make([]float32, len(px))
	augment.NormalizePixels(px, mean, std, want)
	got := graphImages(t, px, n, h, w, nil, configs.PixelNormOf(mean, std))
	var worst float64
	for i := range want {
		d := math.Abs(float64(got[i] - want[i]))
		if d > 1e-6 {
			t.Fatalf("float %d (byte %d, channel %d): graph %v, host %v", i, px[i], i%3, got[i], want[i])
		}
		worst = max(worst, d)
	}
	t.Logf("max |graph − host| = %g", worst)
	// (128/255 − 0.485)/0.229, computed independently of NormalizeAffine.
	if v := float64(got[0]); math.Abs(v-(128.0/255-0.485)/0.229) > 1e-6 {
		t.Fatalf("byte 128 in red normalises to %v", v)
	}
}

// (b) Mixup and CutMix of 8-bit batches (CutMix on the bytes, Mixup in the graph, both from
// Mixer.ApplyPixels) give Mixer.Apply's batch on the same draws, float for float, with the
// same soft targets; including a padded batch with an odd number of real rows (the middle
// row and the padding stay unmixed).
func TestPixelsToImagesMixesAsMixerApply(t *testing.T) {
	const n, h, w, classes = 6, 9, 8, 4
	mean, std := augment.ImageNetMean, augment.ImageNetStd
	labels := []int32{0, 1, 2, 3, 1, 0}
	kinds := map[string]augment.MixConfig{
		"mixup":  {MixupAlpha: 0.8, Prob: 1, LabelSmoothing: 0.1, NumClasses: classes},
		"cutmix": {CutmixAlpha: 1, Prob: 1, LabelSmoothing: 0.1, NumClasses: classes},
		"both":   {MixupAlpha: 0.8, CutmixAlpha: 1, Prob: 0.8, SwitchProb: 0.5, LabelSmoothing: 0.1, NumClasses: classes},
	}
	for name, mc := range kinds {
		mixer, err := augment.NewMixer(mc)
		if err != nil {
			t.Fatal(err)
		}
		exact := 0
		for seed := range uint64(8) {
			for _, valid := range []int{n, 5} {
				px := randomPixels(n, h, w, seed+10)
				unmixed := make([]float32, len(px))
				augment.NormalizePixels(px, mean, std, unmixed)
				host := append([]float32(nil), unmixed...)
				wantT, wantLam := mixer.Apply(host, labels, valid, n, h, w, rand.New(rand.NewPCG(seed, 2)))
				gotT, gotLam, plan := mixer.ApplyPixels(px, labels, valid, n, h, w, rand.New(rand.NewPCG(seed, 2)))
				if gotLam != wantLam || fmt.Sprint(gotT) != fmt.Sprint(wantT) {
					t.Fatalf("%s seed %d valid %d: ApplyPixels λ %v targets %v, Apply λ %v targets %v", name, seed, valid, gotLam, gotT, wantLam, wantT)
				}
				got := graphImages(t, px, n, h, w, &plan, configs.PixelNormOf(mean, std))
				changed, same := 0, 0
				for i := range host {
					if d := math.Abs(float64(got[i] - host[i])); d > 1e-6 {
						t.Fatalf("%s seed %d valid %d: float %d (row %d): graph %v, host %v (λ %v)", name, seed, valid, i, i/(h*w*3), got[i], host[i], wantLam)
					}
					if host[i] != unmixed[i] {
						changed++
					}
					if got[i] == host[i] {
						same++
					}
				}
				if wantLam != 1 && changed == 0 {
					t.Fatalf("%s seed %d: λ %v but nothing was mixed: the comparison checks nothing", name, seed, wantLam)
				}
				if same == len(host) {
					exact++
				}
			}
		}
		t.Logf("%s: %d of 16 batches bit-identical to the host's", name, exact)
	}
}

// (c) A train step on 8-bit inputs (normalised and mixed in the graph) gives the float
// path's loss and weights on the same images. The graph's input is bit-identical to the
// host's (tests above); what may still differ is the backend's evaluation order of the two
// compiled graphs, float32 rounding: 1e-6 relative on the loss, 1e-6 absolute on weights
// of order 0.1 updated by lr 1e-2.
func TestPixelStepMatchesFloatStep(t *testing.T) {
	b := goBackend(t)
	const n, size, classes = 6, 8, 3
	cfg := vision.Config{Kind: vision.KindTokenFormer, ImageSize: size, Patch: 4, Channels: 3, Dim: 16, Depth: 1, Heads: 2,
		NumClasses: classes, QKVTokens: 8, ProjTokens: 8, FFNTokens: 16}
	mean, std := augment.ImageNetMean, augment.ImageNetStd
	mixer, err := augment.NewMixer(augment.MixConfig{MixupAlpha: 0.8, CutmixAlpha: 1, Prob: 1, SwitchProb: 0.5, LabelSmoothing: 0.1, NumClasses: classes})
	if err != nil {
		t.Fatal(err)
	}
	labels := []int32{0, 1, 2, 0, 1, 0}
	const valid = 5 // one padded row
	weights := []float32{1, 1, 1, 1, 1, 0}
	var mixed bool
	micro := func(seed uint64, pixels bool) MicroBatch {
		px := randomPixels(n, size, size, seed)
		rng := rand.New(rand.NewPCG(seed, 3))
		if !mixed { // a run without Mixup/CutMix: no mixing inputs nor ops in the pixel graph
			targets := augment.SmoothLabels(labels, classes, 0.1)
			if pixels {
				return PixelMicroBatch(px, n, size, size, nil, targets, append([]float32(nil), weights...), classes)
			}
			img := make([]float32, len(px))
			augment.NormalizePixels(px, mean, std, img)
			return MicroBatch{Images: tensors.FromFlatDataAndDimensions(img, n, size, size, 3),
				Targets: tensors.FromFlatDataAndDimensions(targets, n, classes),
				Weights: tensors.FromFlatDataAndDimensions(append([]float32(nil), weights...), n)}
		}
		if pixels {
			targets, _, plan := mixer.ApplyPixels(px, labels, valid, n, size, size, rng)
			return PixelMicroBatch(px, n, size, size, &plan, targets, append([]float32(nil), weights...), classes)
		}
		img := make([]float32, len(px))
		augment.NormalizePixels(px, mean, std, img)
		targets, _ := mixer.Apply(img, labels, valid, n, size, size, rng)
		return MicroBatch{Images: tensors.FromFlatDataAndDimensions(img, n, size, size, 3),
			Targets: tensors.FromFlatDataAndDimensions(targets, n, classes),
			Weights: tensors.FromFlatDataAndDimensions(append([]float32(nil), weights...), n)}
	}
	run := func(accum int, pixels bool) ([]float64, map[string][]float32) {
		m, _ := vision.New(cfg)
		store := model.NewStore()
		if err := m.Build(b, store, 1); err != nil {
			t.Fatal(err)
		}
		st, err := NewStepper(b, m, store, AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05}, accum)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Finalize()
		st.PixelNorm = configs.PixelNormOf(mean, std)
		var losses []float64
		for step := range uint64(3) {
			var mbs []MicroBatch
			for k := range uint64(accum) {
				mbs = append(mbs, micro(10*step+k, pixels))
			}
			loss, _, err := st.Step(mbs, 1e-2)
			if err != nil {
				t.Fatal(err)
			}
			losses = append(losses, loss)
		}
		out := map[string][]float32{}
		for _, v := range ModelVars(store) {
			out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
		}
		return losses, out
	}
	for _, c := range []struct {
		accum int
		mixed bool
	}{{1, true}, {2, true}, {1, false}, {2, false}} {
		accum := c.accum
		mixed = c.mixed
		lf, wf := run(accum, false)
		lp, wp := run(accum, true)
		for i := range lf {
			if math.Abs(lf[i]-lp[i]) > 1e-6*math.Abs(lf[i]) {
				t.Fatalf("accum %d mixed %v step %d: loss %.9g on floats, %.9g on pixels", accum, mixed, i, lf[i], lp[i])
			}
		}
		t.Logf("accum %d mixed %v: losses %v (floats) %v (pixels)", accum, mixed, lf, lp)
		for p, a := range wf {
			for i := range a {
				if d := math.Abs(float64(a[i] - wp[p][i])); d > 1e-6 {
					t.Fatalf("accum %d mixed %v: %s[%d] = %v on floats, %v on pixels", accum, mixed, p, i, a[i], wp[p][i])
				}
			}
		}
	}
}

// A pixel micro-batch is checked like a float one, and needs the Stepper's PixelNorm.
func TestPreparePixelsChecks(t *testing.T) {
	st, _ := newTinyStepper(t, 1)
	c := st.Model.Config
	n, s := 2, c.ImageSize
	good := func() MicroBatch {
		plan := augment.NoMixPlan(n)
		return PixelMicroBatch(make([]uint8, n*s*s*3), n, s, s, &plan, make([]float32, n*c.NumClasses), []float32{1, 1}, c.NumClasses)
	}
	if _, err := st.Prepare([]MicroBatch{good()}); err == nil {
		t.Fatal("pixels accepted without a PixelNorm")
	}
	st.PixelNorm = configs.PixelNormOf(augment.ImageNetMean, augment.ImageNetStd)
	bad := good()
	bad.Mix = tensors.FromFlatDataAndDimensions(make([]float32, 3), 3)
	if _, err := st.Prepare([]MicroBatch{bad}); err == nil {
		t.Fatal("a mix of 3 weights accepted")
	}
	p, err := st.Prepare([]MicroBatch{good()})
	if err != nil {
		t.Fatal(err)
	}
	if loss, _, err := st.StepPrepared(p, 1e-3); err != nil || math.IsNaN(loss) {
		t.Fatalf("step on pixels: loss %v, %v", loss, err)
	}
	plain := PixelMicroBatch(make([]uint8, n*s*s*3), n, s, s, nil, make([]float32, n*c.NumClasses), []float32{1, 1}, c.NumClasses)
	if _, err := st.Prepare([]MicroBatch{plain, good()}); err == nil {
		t.Fatal("a step mixing plain and mixed pixel micro-batches accepted")
	}
	if loss, _, err := st.Step([]MicroBatch{plain}, 1e-3); err != nil || math.IsNaN(loss) {
		t.Fatalf("step on unmixed pixels: loss %v, %v", loss, err)
	}
}

// Data parallelism splits pixels and partner rows over the devices byte for byte, whatever
// their dtype, and gives every device the whole batch's blend weights.
func TestShardArgsSplitsPixelBatches(t *testing.T) {
	s := &Stepper{devices: 2}
	px := tensors.FromFlatDataAndDimensions([]uint8{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 4, 1, 1, 3)
	partner := tensors.FromFlatDataAndDimensions([]int32{3, 2, 1, 0}, 4)
	mix := tensors.FromFlatDataAndDimensions([]float32{0.25, 0.75}, 2)
	args, err := s.shardArgsSpec([]*tensors.Tensor{px, partner, mix}, []bool{true, true, false})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"[[[[1 2 3]]] [[[4 5 6]]]]", "[3 2]", "[0.25 0.75]", "[[[[7 8 9]]] [[[10 11 12]]]]", "[1 0]", "[0.25 0.75]"}
	if len(args) != len(want) {
		t.Fatalf("%d args, want %d", len(args), len(want))
	}
	for i, a := range args {
		if got := fmt.Sprint(a.(*tensors.Tensor).Value()); got != want[i] {
			t.Errorf("arg %d = %s, want %s", i, got, want[i])
		}
	}
	if args[2] == args[5] {
		t.Error("both devices share one mix tensor")
	}
}
