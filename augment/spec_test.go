package augment

import (
	"image"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// invert_test is a user op as a project would add one: registered from its own file,
// it draws one Float64 (whether to run) and inverts the 8-bit image.
func init() {
	Register("invert_test", func(a *Args) (Op, error) {
		p := a.Float("p", 1)
		if !(p >= 0 && p <= 1) {
			return nil, a.Errorf("p", "%g, want [0,1]", p)
		}
		return PerImage(ImageFunc(func(img *image.NRGBA, rng *rand.Rand) {
			if rng.Float64() < p {
				Invert(img)
			}
		})), nil
	})
}

func TestParseSpec(t *testing.T) {
	spec := "rrc(224, scale=(0.08,1))| flip |randaug('rand-m9', interp=bilinear)|erase(-2.5e-1)"
	calls, err := parseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 4 {
		t.Fatalf("%d calls", len(calls))
	}
	names := []string{calls[0].name, calls[1].name, calls[2].name, calls[3].name}
	if !slices.Equal(names, []string{"rrc", "flip", "randaug", "erase"}) {
		t.Fatalf("names %v", names)
	}
	if calls[1].text != "flip" || calls[1].col != 27 || len(calls[1].args) != 0 {
		t.Errorf("flip call %+v", calls[1])
	}
	rrc := calls[0]
	if rrc.text != "rrc(224, scale=(0.08,1))" || rrc.col != 1 || len(rrc.args) != 2 {
		t.Fatalf("rrc call %+v", rrc)
	}
	if a := rrc.args[0]; a.key != "" || a.val.kind != numberValue || a.val.num != 224 || a.val.col != 5 {
		t.Errorf("rrc arg 1 %+v", a)
	}
	sc := rrc.args[1]
	if sc.key != "scale" || sc.val.kind != tupleValue || len(sc.val.elems) != 2 ||
		sc.val.elems[0].num != 0.08 || sc.val.elems[1].num != 1 || sc.val.col != 16 {
		t.Errorf("rrc scale %+v", sc)
	}
	ra := calls[2].args
	if ra[0].val.kind != stringValue || ra[0].val.text != "rand-m9" || ra[1].key != "interp" ||
		ra[1].val.kind != identValue || ra[1].val.text != "bilinear" {
		t.Errorf("randaug args %+v", ra)
	}
	if v := calls[3].args[0].val; v.num != -0.25 {
		t.Errorf("erase arg %+v", v)
	}
}

// Errors name the op (index and text), the column, the argument, and what was wanted.
func TestSpecErrors(t *testing.T) {
	cases := []struct{ spec, want string }{
		{"rrc(224)|flip|randaug(2,x)", `op 3 "randaug(2,x)" (column 25): argument 2 (m): want a number, got x`},
		{"rrc(224)|flip(p=2)", `op 2 "flip(p=2)" (column 17): p: 2, want a probability in [0,1]`},
		{"rrc(224)|blur(3)", `op 2 "blur(3)" (column 10): unknown op "blur" (registered: center_crop, erase, flip, gray_example, invert_test, normalise, normalize, randaug, resize, rrc)`},
		{"rrc(224)|flip(0.5, 2)", `op 2 "flip(0.5, 2)" (column 20): flip takes at most 1 arguments (p), got 2`},
		{"rrc(224)|flip(q=1)", `op 2 "flip(q=1)" (column 17): unknown argument q (flip takes p)`},
		{"rrc(224, scale=0.5)", `op 1 "rrc(224, scale=0.5)" (column 16): argument scale: want a tuple of 2 numbers like (x,x), got 0.5`},
		{"rrc(224, scale=(0.5,x))", `argument scale element 2: want a number, got x`},
		{"rrc(224, scale=(0.5,0.1))", `op 1 "rrc(224, scale=(0.5,0.1))" (column 16): scale: [0.5 0.1], want 0 < lo <= hi <= 1`},
		{"rrc(224, interp=cubicle)", `interp: "cubicle", want bilinear, bicubic or nearest`},
		{"rrc(224, 1=2)", `(column 11): want ',' or ')' after argument 2, got "="`},
		{"rrc(size=224, 0.5)", `positional argument after a keyword argument`},
		{"rrc(224, size=224)", `argument size given twice (as argument 1 and by name)`},
		{"rrc(224, scale=(1,1), scale=(1,1))", `argument scale given twice`},
		{"rrc(224", `missing ')'`},
		{"rrc(224) flip", `op 1 "rrc(224)" (column 10): want '|' between ops, got "f"`},
		{"rrc(224)||flip", `column 10: empty op`},
		{"rrc(224)|randaug('rand-m9", `unterminated string`},
		{"rrc(1.5)", `argument 1 (size): want a whole number, got 1.5`},
		{"rrc(224)|randaug('rand-q9')", `op 2 "randaug('rand-q9')" (column 18): timm: randaugment spec "rand-q9": unknown key in token "q9"`},
		{"rrc(224)|randaug(2, 9, inc=2)", `inc: 2, want 0 or 1`},
		{"flip|rrc(224)", `op 1 "flip" (column 1): the spec must start with the geometry`},
		{"rrc(224)|rrc(224)", `rrc must be the first op`},
		{"rrc(224)|erase(0.25)|randaug(2,9)", `op 3 "randaug(2,9)" (column 22): randaug works on the 8-bit image: put it before normalise and the float ops`},
		{"rrc(224)|normalise|flip", `flip must come before normalise`},
		{"rrc(224)|normalise|normalize", `normalise given twice`},
		{"rrc(224)|normalise(std=(1,0,1))", `std: element 2 is 0, want > 0`},
		{"rrc(224)|center_crop(224)", `center_crop must directly follow resize`},
		{"rrc(128)", `op 1 "rrc(128)" (column 1): output size 128, but the transform must output 224`},
		{"rrc(224)|flip(0.5)|resize(256)", `resize must be the first op`},
	}
	for _, c := range cases {
		_, err := NewTrainSpec(c.spec, 224)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n  got  %v\n  want %s", c.spec, err, c.want)
		}
	}
	evalCases := []struct{ spec, want string }{
		{"resize(256)", `resize must be followed by center_crop`},
		{"resize(256)|flip", `resize must be followed by center_crop`},
		{"resize(200)|center_crop(224)", `center_crop(224) is larger than the short side resize gives (200)`},
		{"rrc(224)", `an eval spec starts with resize(...)|center_crop(...)`},
		{"resize|center_crop", `size: 0, want the short side in pixels`},
	}
	for _, c := range evalCases {
		_, err := NewEvalSpec(c.spec, 224)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("eval %s:\n  got  %v\n  want %s", c.spec, err, c.want)
		}
	}
	if _, err := NewTrainSpec("resize(256)|center_crop(224)", 224); err == nil || !strings.Contains(err.Error(), "a training spec starts with rrc") {
		t.Errorf("train spec with eval geometry: %v", err)
	}
}

func TestDefaultSpecs(t *testing.T) {
	const wantTrain = "rrc(224, scale=(0.08,1), ratio=(0.75,1.3333333333333333), interp=bicubic)|flip(0.5)|" +
		"randaug('rand-m9-mstd0.5-inc1')|normalise(mean=(0.485,0.456,0.406), std=(0.229,0.224,0.225))|erase(0.25)"
	if got := DefaultTrainConfig().Spec(); got != wantTrain {
		t.Errorf("train spec\n  %s\nwant\n  %s", got, wantTrain)
	}
	off := DefaultTrainConfig()
	off.HFlip, off.RandAugment, off.ReProb, off.Interp = 0, "", 0, Nearest
	if got, want := off.Spec(), "rrc(224, scale=(0.08,1), ratio=(0.75,1.3333333333333333), interp=nearest)|"+
		"normalise(mean=(0.485,0.456,0.406), std=(0.229,0.224,0.225))"; got != want {
		t.Errorf("spec with the ops off %s", got)
	}
	const wantEval = "resize(256, interp=bicubic)|center_crop(224)|normalise(mean=(0.485,0.456,0.406), std=(0.229,0.224,0.225))"
	if got := DefaultEvalConfig().Spec(); got != wantEval {
		t.Errorf("eval spec %s", got)
	}
	ev, err := NewEval(DefaultEvalConfig())
	if err != nil {
		t.Fatal(err)
	}
	if w, h := ev.MinDecodeSize(); w != 256 || h != 256 || ev.Spec() != wantEval {
		t.Errorf("eval decode hint %d×%d, spec %s", w, h, ev.Spec())
	}
}

// legacyTrain is the training transform as NewTrain composed it before specs existed
// (commit c82f604, train.go's apply), from the same primitives: the reference the
// spec-built transforms are compared with float by float.
func legacyTrain(cfg TrainConfig, img image.Image, rng *rand.Rand, dst []float32) {
	n := cfg.Size
	b := img.Bounds()
	box := SampleRRCBox(b.Dx(), b.Dy(), cfg.Scale, cfg.Ratio, rng).Add(b.Min)
	ax, ay := cropAxes(box, n, n)
	flip := cfg.HFlip > 0 && rng.Float64() < cfg.HFlip
	norm := newNormalizer(cfg.Mean, cfg.Std)
	s := new(scratch)
	if cfg.RandAugment == "" {
		resample(img, ax, ay, cfg.Interp, s, norm.emitFloat(dst, n, flip))
	} else {
		im := image.NewNRGBA(image.Rect(0, 0, n, n))
		resample(img, ax, ay, cfg.Interp, s, emitNRGBA(im, flip))
		rc, err := ParseRandAugment(cfg.RandAugment)
		if err != nil {
			panic(err)
		}
		rc.Interp = cfg.Interp
		NewRandAugment(rc).Apply(im, rng)
		norm.normalizeNRGBA(im, dst)
	}
	if cfg.ReProb > 0 {
		RandomErase(dst, n, n, 3, cfg.ReProb, rng)
	}
}

func legacyEval(cfg EvalConfig, img image.Image, dst []float32) {
	n := cfg.Size
	b := img.Bounds()
	rw, rh, top, left := EvalGeometry(b.Dx(), b.Dy(), n, cfg.CropPct)
	ax := axis{lo: b.Min.X, inSize: b.Dx(), scale: float64(b.Dx()) / float64(rw), off: left, out: n}
	ay := axis{lo: b.Min.Y, inSize: b.Dy(), scale: float64(b.Dy()) / float64(rh), off: top, out: n}
	norm := newNormalizer(cfg.Mean, cfg.Std)
	resample(img, ax, ay, cfg.Interp, new(scratch), norm.emitFloat(dst, n, false))
}

func firstDiff(a, b []float32) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// TestDefaultSpecEquivalence: for every golden config, the transform built from
// cfg.Spec() (and NewTrain, which builds through it) writes exactly the floats of the
// pre-spec composition, and leaves the rng at the same point (the next draw agrees).
func TestDefaultSpecEquivalence(t *testing.T) {
	imgs := goldenImages()
	for ci, cfg := range goldenTrainConfigs() {
		fromSpec, err := NewTrainSpec(cfg.Spec(), cfg.Size)
		if err != nil {
			t.Fatalf("config %d: %v", ci, err)
		}
		fromCfg, err := NewTrain(cfg)
		if err != nil {
			t.Fatal(err)
		}
		n := cfg.Size * cfg.Size * 3
		want, got, got2 := make([]float32, n), make([]float32, n), make([]float32, n)
		compared := 0
		for ii, img := range imgs {
			for seed := uint64(0); seed < 4; seed++ {
				rw, rg, rc := newRNG(seed), newRNG(seed), newRNG(seed)
				legacyTrain(cfg, img, rw, want)
				if err := fromSpec.Apply(img, rg, got); err != nil {
					t.Fatal(err)
				}
				if err := fromCfg.Apply(img, rc, got2); err != nil {
					t.Fatal(err)
				}
				if i := firstDiff(want, got); i >= 0 {
					t.Fatalf("config %d image %d seed %d: spec transform differs at %d: %v vs %v (spec %s)", ci, ii, seed, i, got[i], want[i], cfg.Spec())
				}
				if i := firstDiff(want, got2); i >= 0 {
					t.Fatalf("config %d image %d seed %d: NewTrain differs at %d", ci, ii, seed, i)
				}
				if a, b, c := rw.Uint64(), rg.Uint64(), rc.Uint64(); a != b || a != c {
					t.Fatalf("config %d image %d seed %d: rng left at a different point", ci, ii, seed)
				}
				compared += len(want)
			}
		}
		t.Logf("config %d (%s): %d floats identical", ci, cfg.Spec(), compared)
	}
	for ci, cfg := range goldenEvalConfigs() {
		ev, err := NewEvalSpec(cfg.Spec(), cfg.Size)
		if err != nil {
			t.Fatal(err)
		}
		n := cfg.Size * cfg.Size * 3
		want, got := make([]float32, n), make([]float32, n)
		for ii, img := range imgs {
			legacyEval(cfg, img, want)
			if err := ev.Apply(img, nil, got); err != nil {
				t.Fatal(err)
			}
			if i := firstDiff(want, got); i >= 0 {
				t.Fatalf("eval config %d image %d differs at %d", ci, ii, i)
			}
		}
	}
}

// A hand-written spec in the style, with keyword RandAugment, rrc's size and
// normalise left to their defaults, is the default recipe.
func TestHandWrittenSpecIsRecipe(t *testing.T) {
	hand, err := NewTrainSpec("rrc(scale=(0.08,1))|flip|randaug(2,9,mstd=0.5,inc=1)|erase(0.25)", 224)
	if err != nil {
		t.Fatal(err)
	}
	if h, w := hand.Size(); h != 224 || w != 224 {
		t.Fatalf("size %d×%d", h, w)
	}
	ref, _ := NewTrain(DefaultTrainConfig())
	img := syntheticYCbCr(500, 375, 3)
	a, b := make([]float32, 224*224*3), make([]float32, 224*224*3)
	for seed := uint64(0); seed < 6; seed++ {
		_ = hand.Apply(img, newRNG(seed), a)
		_ = ref.Apply(img, newRNG(seed), b)
		if i := firstDiff(a, b); i >= 0 {
			t.Fatalf("seed %d differs at %d", seed, i)
		}
	}
}

// The custom op runs where the spec puts it, on the 8-bit image, and its draw comes in
// spec order: after RandAugment's and before erasing's.
func TestCustomOpInPipeline(t *testing.T) {
	const spec = "rrc(64, interp=bilinear)|flip(0.5)|randaug(2, 9, mstd=0.5)|invert_test(0.5)|normalise(mean=(0.5,0.5,0.5), std=(0.25,0.5,1))|erase(0.5)"
	tr, err := NewTrainSpec(spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	img := syntheticYCbCr(300, 200, 4)
	got, want := make([]float32, 64*64*3), make([]float32, 64*64*3)
	inverted := 0
	for seed := uint64(0); seed < 12; seed++ {
		rg := newRNG(seed)
		if err := tr.Apply(img, rg, got); err != nil {
			t.Fatal(err)
		}
		// The reference, step by step from the same stream.
		rng := newRNG(seed)
		box := SampleRRCBox(300, 200, [2]float64{0.08, 1}, [2]float64{3.0 / 4, 4.0 / 3}, rng)
		flip := rng.Float64() < 0.5
		im := ResizedCrop(img, box, 64, 64, Bilinear, flip)
		NewRandAugment(RandAugmentConfig{NumOps: 2, Magnitude: 9, MagnitudeStd: 0.5, MagnitudeMax: 10, Prob: 0.5, Interp: Bilinear}).Apply(im, rng)
		if rng.Float64() < 0.5 {
			Invert(im)
			inverted++
		}
		nm := newNormalizer([3]float32{0.5, 0.5, 0.5}, [3]float32{0.25, 0.5, 1})
		nm.normalizeNRGBA(im, want)
		RandomErase(want, 64, 64, 3, 0.5, rng)
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("seed %d differs at %d: %v vs %v", seed, i, got[i], want[i])
		}
		if rg.Uint64() != rng.Uint64() {
			t.Fatalf("seed %d: rng left at a different point", seed)
		}
	}
	if inverted == 0 || inverted == 12 {
		t.Errorf("invert ran %d of 12 times: its draw is not being used", inverted)
	}

	// A flip after an 8-bit op mirrors the 8-bit image, drawing one Float64 as the fused
	// flip does: flip and invert commute, so both orders give the same floats.
	a, _ := NewTrainSpec("rrc(64)|flip(1)|invert_test(1)|erase(1)", 0)
	b, _ := NewTrainSpec("rrc(64)|invert_test(1)|flip(1)|erase(1)", 0)
	bOut := make([]float32, 64*64*3)
	for seed := uint64(0); seed < 4; seed++ {
		_ = a.Apply(img, newRNG(seed), got)
		_ = b.Apply(img, newRNG(seed), bOut)
		if i := firstDiff(got, bOut); i >= 0 {
			t.Fatalf("late flip: seed %d differs at %d", seed, i)
		}
	}
}

// Eval callers pass a nil rng; an eval spec with an op that draws still gives one
// output per image.
func TestEvalSpecNilRNG(t *testing.T) {
	ev, err := NewEvalSpec("resize(80)|center_crop(64)|invert_test(0.5)", 64)
	if err != nil {
		t.Fatal(err)
	}
	img := syntheticYCbCr(120, 90, 5)
	a, b := make([]float32, 64*64*3), make([]float32, 64*64*3)
	if err := ev.Apply(img, nil, a); err != nil {
		t.Fatal(err)
	}
	_ = ev.Apply(img, nil, b)
	if i := firstDiff(a, b); i >= 0 {
		t.Fatalf("nil-rng eval not deterministic at %d", i)
	}
	// Without the op: the plain eval view, with the implicit ImageNet normalisation.
	plain, _ := NewEvalSpec("resize(80)|center_crop(64)", 64)
	_ = plain.Apply(img, nil, b)
	legacyEval(EvalConfig{Size: 64, CropPct: 0.8, Interp: Bicubic, Mean: ImageNetMean, Std: ImageNetStd}, img, a)
	if i := firstDiff(a, b); i >= 0 {
		t.Fatalf("resize(80)|center_crop(64) differs from crop_pct 0.8 at %d", i)
	}
}

func TestRegister(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	noop := func(a *Args) (Op, error) { return nil, nil }
	mustPanic("duplicate", func() { Register("flip", noop) })
	mustPanic("upper case", func() { Register("Blur", noop) })
	mustPanic("nil builder", func() { Register("blur_x", nil) })
	want := []string{"center_crop", "erase", "flip", "gray_example", "invert_test", "normalise", "normalize", "randaug", "resize", "rrc"}
	if got := Registered(); !slices.Equal(got, want) {
		t.Errorf("Registered() = %v", got)
	}
}
