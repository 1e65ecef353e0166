package augment

import (
	"math"
	"math/rand/v2"
)

func init() { Register("erase", buildErase) }

// buildErase: erase(p=0.5), RandomErase on the normalised floats (timm's RandomErasing
// default probability). It must come after the 8-bit ops; a spec without normalise gets
// the ImageNet one before it.
func buildErase(a *Args) (Op, error) {
	p := a.Float("p", 0.5)
	if !(p >= 0 && p <= 1) {
		return nil, a.Errorf("p", "%g, want a probability in [0,1]", p)
	}
	return eraseStage{p: p}, nil
}

// RandomErase implements timm's RandomErasing in mode "pixel" with count 1 on
// a normalised HWC float image (h×w×c in dst): with probability p, up to 10
// attempts to place a box of area uniform in [0.02, 1/3] of the image and
// aspect ratio log-uniform in [0.3, 1/0.3]; the first box strictly smaller
// than the image is filled with independent standard normal noise per pixel
// and channel (the images are normalised, so N(0,1) matches their scale).
// It returns the erased box as (top, left, height, width); ok is false when
// nothing was erased.
func RandomErase(dst []float32, h, w, c int, p float64, rng *rand.Rand) (top, left, eh, ew int, ok bool) {
	if top, left, eh, ew, ok = eraseBox(h, w, p, rng); !ok {
		return
	}
	for y := top; y < top+eh; y++ {
		row := dst[(y*w+left)*c : (y*w+left+ew)*c]
		for i := range row {
			row[i] = float32(rng.NormFloat64())
		}
	}
	return
}

// eraseBox makes RandomErase's draws up to its fill: whether to erase, then the box. The
// float and 8-bit erasers share it, so their boxes come from the same draws.
func eraseBox(h, w int, p float64, rng *rand.Rand) (top, left, eh, ew int, ok bool) {
	const minArea, maxArea = 0.02, 1.0 / 3
	if p <= 0 || rng.Float64() > p {
		return 0, 0, 0, 0, false
	}
	area := float64(h * w)
	logLo, logHi := math.Log(0.3), math.Log(1/0.3)
	for range 10 {
		target := (minArea + (maxArea-minArea)*rng.Float64()) * area
		ar := math.Exp(logLo + (logHi-logLo)*rng.Float64())
		eh = int(math.RoundToEven(math.Sqrt(target * ar)))
		ew = int(math.RoundToEven(math.Sqrt(target / ar)))
		if ew < w && eh < h {
			return rng.IntN(h - eh + 1), rng.IntN(w - ew + 1), eh, ew, true
		}
	}
	return 0, 0, 0, 0, false
}
