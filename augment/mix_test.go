package augment

import (
	"math"
	"testing"
)

func TestSmoothLabels(t *testing.T) {
	got := SmoothLabels([]int32{2, 0}, 5, 0.1)
	want := []float32{0.02, 0.02, 0.92, 0.02, 0.02, 0.92, 0.02, 0.02, 0.02, 0.02}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("SmoothLabels = %v, want %v", got, want)
		}
	}
	got = SmoothLabels([]int32{1}, 3, 0)
	if got[0] != 0 || got[1] != 1 || got[2] != 0 {
		t.Fatalf("no smoothing: %v", got)
	}
}

func checkRowsSumToOne(t *testing.T, targets []float32, k int) {
	t.Helper()
	for i := 0; i < len(targets)/k; i++ {
		var s float64
		for _, v := range targets[i*k : (i+1)*k] {
			s += float64(v)
		}
		if math.Abs(s-1) > 1e-6 {
			t.Fatalf("row %d sums to %v", i, s)
		}
	}
}

// constBatch fills image i with the value i+1 everywhere.
func constBatch(batch, h, w int) []float32 {
	x := make([]float32, batch*h*w*3)
	for i := range batch {
		for j := range h * w * 3 {
			x[i*h*w*3+j] = float32(i + 1)
		}
	}
	return x
}

func TestCutmixLabelMassMatchesPixels(t *testing.T) {
	m, err := NewMixer(MixConfig{CutmixAlpha: 1, Prob: 1, NumClasses: 10})
	if err != nil {
		t.Fatal(err)
	}
	const b, h, w = 6, 16, 12
	labels := []int32{0, 1, 2, 3, 4, 5}
	for seed := uint64(0); seed < 30; seed++ {
		x := constBatch(b, h, w)
		targets, lam := m.Apply(x, labels, b, b, h, w, newRNG(seed))
		checkRowsSumToOne(t, targets, 10)
		for i := range b {
			own, other := 0, 0
			for _, v := range x[i*h*w*3 : (i+1)*h*w*3] {
				switch v {
				case float32(i + 1):
					own++
				case float32(b - i):
					other++
				default:
					t.Fatalf("row %d has foreign value %v", i, v)
				}
			}
			frac := float64(own) / float64(h*w*3)
			if math.Abs(frac-lam) > 1e-9 {
				t.Fatalf("seed %d row %d: own-pixel fraction %v, λ %v", seed, i, frac, lam)
			}
			if got := float64(targets[i*10+i]); math.Abs(got-lam) > 1e-6 {
				t.Fatalf("row %d: own label mass %v, λ %v", i, got, lam)
			}
			if got := float64(targets[i*10+(b-1-i)]); math.Abs(got-(1-lam)) > 1e-6 {
				t.Fatalf("row %d: partner label mass %v, 1−λ %v", i, got, 1-lam)
			}
		}
	}
}

func TestMixupPaddingAndPairs(t *testing.T) {
	m, _ := NewMixer(MixConfig{MixupAlpha: 0.8, Prob: 1, LabelSmoothing: 0.1, NumClasses: 4})
	const b, valid, h, w = 5, 3, 2, 2
	labels := []int32{0, 1, 2, 3, 3}
	x := constBatch(b, h, w)
	orig := append([]float32(nil), x...)
	targets, lam := m.Apply(x, labels, valid, b, h, w, newRNG(3))
	checkRowsSumToOne(t, targets, 4)
	per := h * w * 3
	for i := valid; i < b; i++ {
		for j := i * per; j < (i+1)*per; j++ {
			if x[j] != orig[j] {
				t.Fatalf("padding row %d changed", i)
			}
		}
		// Own smoothed one-hot: on = 1 − 0.1 + 0.025.
		if targets[i*4+int(labels[i])] != float32(0.925) {
			t.Fatalf("padding row %d target %v", i, targets[i*4:(i+1)*4])
		}
	}
	// Row 0 pairs with row 2; row 1 (the middle) with itself.
	want0 := lam*1 + (1-lam)*3
	if math.Abs(float64(x[0])-want0) > 1e-5 || math.Abs(float64(x[2*per])-(lam*3+(1-lam)*1)) > 1e-5 {
		t.Fatalf("mixup values %v %v, λ %v", x[0], x[2*per], lam)
	}
	if x[per] != 2 {
		t.Fatalf("middle row changed: %v", x[per])
	}
	off, on := 0.025, 0.925
	if got := float64(targets[0]); math.Abs(got-(off+lam*(on-off))) > 1e-6 {
		t.Fatalf("row 0 own mass %v", got)
	}
	if got := float64(targets[2]); math.Abs(got-(off+(1-lam)*(on-off))) > 1e-6 {
		t.Fatalf("row 0 partner mass %v", got)
	}
}

func TestMixerSwitchAndProb(t *testing.T) {
	m, _ := NewMixer(DefaultMixConfig())
	const n = 4000
	cut, mixed := 0, 0
	rng := newRNG(9)
	for range n {
		lam, c := m.params(rng)
		if lam != 1 {
			mixed++
		}
		if c {
			cut++
		}
	}
	if mixed < n-5 || math.Abs(float64(cut)/n-0.5) > 0.04 {
		t.Fatalf("mixed %d cutmix %d of %d", mixed, cut, n)
	}
	off, _ := NewMixer(MixConfig{MixupAlpha: 1, Prob: 0, NumClasses: 3})
	x := constBatch(2, 2, 2)
	targets, lam := off.Apply(x, []int32{0, 2}, 2, 2, 2, 2, rng)
	if lam != 1 || targets[0] != 1 || targets[5] != 1 || x[0] != 1 {
		t.Fatalf("prob 0 mixed: λ %v targets %v", lam, targets)
	}
	if _, err := NewMixer(MixConfig{MixupAlpha: 1, Prob: 2, NumClasses: 3}); err == nil {
		t.Error("Prob 2 accepted")
	}
}

func TestBetaGammaMoments(t *testing.T) {
	rng := newRNG(10)
	for _, c := range [][2]float64{{0.8, 0.8}, {1, 1}, {2, 5}, {0.3, 0.3}} {
		a, b := c[0], c[1]
		const n = 40000
		var s, s2 float64
		for range n {
			v := Beta(a, b, rng)
			if v < 0 || v > 1 {
				t.Fatalf("Beta(%v,%v) = %v", a, b, v)
			}
			s += v
			s2 += v * v
		}
		mean, vr := s/n, s2/n-(s/n)*(s/n)
		wm := a / (a + b)
		wv := a * b / ((a + b) * (a + b) * (a + b + 1))
		if math.Abs(mean-wm) > 0.01 || math.Abs(vr-wv) > 0.01 {
			t.Errorf("Beta(%v,%v): mean %v var %v, want %v %v", a, b, mean, vr, wm, wv)
		}
	}
	var s float64
	for range 40000 {
		s += Gamma(0.5, rng)
	}
	if m := s / 40000; math.Abs(m-0.5) > 0.02 {
		t.Errorf("Gamma(0.5) mean %v", m)
	}
}

func TestRandomErase(t *testing.T) {
	const h, w = 40, 30
	for seed := uint64(0); seed < 300; seed++ {
		dst := make([]float32, h*w*3)
		top, left, eh, ew, ok := RandomErase(dst, h, w, 3, 1, newRNG(seed))
		if !ok {
			continue
		}
		area := float64(eh*ew) / (h * w)
		ar := float64(eh) / float64(ew)
		// Rounding to whole pixels on a small image: allow a generous margin.
		if area < 0.02*0.6 || area > 1.0/3*1.25 || ar < 0.3*0.7 || ar > 1/0.3*1.4 {
			t.Fatalf("seed %d: box %dx%d area %.3f ratio %.2f", seed, eh, ew, area, ar)
		}
		if top < 0 || left < 0 || top+eh > h || left+ew > w {
			t.Fatalf("box out of bounds")
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				in := y >= top && y < top+eh && x >= left && x < left+ew
				for c := range 3 {
					v := dst[(y*w+x)*3+c]
					if !in && v != 0 {
						t.Fatalf("pixel outside the box changed")
					}
				}
			}
		}
		again := make([]float32, h*w*3)
		RandomErase(again, h, w, 3, 1, newRNG(seed))
		for i := range dst {
			if dst[i] != again[i] {
				t.Fatal("not deterministic")
			}
		}
	}
	dst := make([]float32, 12)
	if _, _, _, _, ok := RandomErase(dst, 2, 2, 3, 0, newRNG(1)); ok {
		t.Error("p=0 erased")
	}
}
