package augment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestClampAffineMatchesScalar: the row-wise clamp + affine map (SIMD where available)
// equals the per-value formula the transforms used before, bit for bit, including values
// outside [0, 255] (bicubic overshoot) and lengths that leave a scalar tail.
func TestClampAffineMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	nm := newNormalizer(ImageNetMean, ImageNetStd)
	for _, w := range []int{1, 3, 8, 11, 224} {
		n := 3 * w
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(rng.Float64()*300 - 20)
		}
		src[0] = -0.0
		scale, bias := make([]float32, n), make([]float32, n)
		for i := range scale {
			scale[i], bias[i] = nm.scale[i%3], nm.bias[i%3]
		}
		got := make([]float32, n)
		clampAffine(got, src, scale, bias)
		inPlace := append([]float32(nil), src...)
		clampAffine(inPlace, inPlace, scale, bias)
		for i, v := range src {
			c := min(max(v, 0), 255)
			want := c*nm.scale[i%3] + nm.bias[i%3]
			if math.Float32bits(got[i]) != math.Float32bits(want) || math.Float32bits(inPlace[i]) != math.Float32bits(want) {
				t.Fatalf("w %d, value %d (%g): got %g (in place %g), want %g", w, i, v, got[i], inPlace[i], want)
			}
		}
	}
}

// TestEmitFloatFlip: a flipped row is the unflipped row's pixels in reverse order, each
// pixel's channels kept in order.
func TestEmitFloatFlip(t *testing.T) {
	nm := newNormalizer(ImageNetMean, ImageNetStd)
	const w = 13
	row := make([]float32, 3*w)
	for i := range row {
		row[i] = float32(i*7%260) - 2
	}
	plain, flipped := make([]float32, 3*w), make([]float32, 3*w)
	nm.emitFloat(plain, w, false)(0, append([]float32(nil), row...))
	nm.emitFloat(flipped, w, true)(0, append([]float32(nil), row...))
	for x := range w {
		for c := range 3 {
			if flipped[3*x+c] != plain[3*(w-1-x)+c] {
				t.Fatalf("pixel %d channel %d: flipped %g, want %g", x, c, flipped[3*x+c], plain[3*(w-1-x)+c])
			}
		}
	}
	if v := plain[3*4+1]; v != min(max(row[3*4+1], 0), 255)*nm.scale[1]+nm.bias[1] {
		t.Fatalf("plain value %g is not the normalised input", v)
	}
}

// TestRoundRowMatchesClampRound: the row-wise rounding emitBytes uses stores the bytes
// clampRound gives value by value, for values below 0, above 255, at .5 boundaries and
// in between, with a scalar tail; and clamp255's row-wise clip equals the per-value one.
func TestRoundRowMatchesClampRound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vals := []float32{-3, -0.5, -0.4999, 0, 0.49999, 0.5, 1.5, 2.5, 127.5, 254.49, 254.5, 255, 255.4, 300}
	for range 200 {
		vals = append(vals, float32(rng.Float64()*280-12))
	}
	row := append([]float32(nil), vals...)
	roundRow(row)
	clipped := append([]float32(nil), vals...)
	clamp255(clipped)
	for i, v := range vals {
		if uint8(row[i]) != clampRound(v) || row[i] != float32(clampRound(v)) {
			t.Fatalf("value %g: roundRow gives %g, clampRound %d", v, row[i], clampRound(v))
		}
		if want := min(max(v, 0), 255); math.Float32bits(clipped[i]) != math.Float32bits(want) {
			t.Fatalf("value %g: clamp255 gives %g, want %g", v, clipped[i], want)
		}
	}
}

// TestReadRow4MatchesScalar: the 8-pixels-at-a-time byte→float conversion equals the
// per-pixel one for every length (tails included), from any pixel of a row.
func TestReadRow4MatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pix := make([]uint8, 4*64)
	for i := range pix {
		pix[i] = uint8(rng.IntN(256))
	}
	for start := range 5 {
		for n := 0; n+start <= 64; n++ {
			src := pix[4*start : 4*(start+n)]
			r, g, b := make([]float32, n), make([]float32, n), make([]float32, n)
			readRow4(src, r, g, b)
			for i := range n {
				if r[i] != float32(src[4*i]) || g[i] != float32(src[4*i+1]) || b[i] != float32(src[4*i+2]) {
					t.Fatalf("start %d, n %d, pixel %d: %v %v %v, want %v", start, n, i, r[i], g[i], b[i], src[4*i:4*i+3])
				}
			}
		}
	}
}
