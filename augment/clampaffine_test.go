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
