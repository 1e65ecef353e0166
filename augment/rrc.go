package augment

import (
	"image"
	"math"
	"math/rand/v2"
)

func init() { Register("rrc", buildRRC) }

// buildRRC: rrc(size, scale=(0.08,1), ratio=(0.75,1.3333333333333333), interp=bicubic),
// torchvision's RandomResizedCrop defaults. size defaults to the transform's output size
// (the model's image size), so a spec need not repeat it.
func buildRRC(a *Args) (Op, error) {
	s := rrcStage{
		size:   a.Int("size", a.Size()),
		scale:  a.Pair("scale", [2]float64{0.08, 1}),
		ratio:  a.Pair("ratio", [2]float64{3.0 / 4, 4.0 / 3}),
		interp: a.Interp("interp"),
	}
	switch {
	case s.size < 1 || s.size > 8192:
		return nil, a.Errorf("size", "%d, want 1..8192", s.size)
	case !(s.scale[0] > 0 && s.scale[0] <= s.scale[1] && s.scale[1] <= 1):
		return nil, a.Errorf("scale", "%v, want 0 < lo <= hi <= 1", s.scale)
	case !(s.ratio[0] > 0 && s.ratio[0] <= s.ratio[1]):
		return nil, a.Errorf("ratio", "%v, want 0 < lo <= hi", s.ratio)
	}
	return s, nil
}

// SampleRRCBox draws a RandomResizedCrop box for a w×h image exactly as
// torchvision's RandomResizedCrop.get_params does: up to 10 attempts of an area
// uniform in scale·(w·h) and an aspect ratio log-uniform in ratio; the first
// box that fits is placed uniformly. If none fits, it falls back to a center
// crop whose aspect ratio is clamped to the ratio range (the whole image when
// its ratio is already inside). Python's round (half to even) is reproduced.
// The box is in coordinates relative to the image origin (0,0).
func SampleRRCBox(w, h int, scale, ratio [2]float64, rng *rand.Rand) image.Rectangle {
	area := float64(w * h)
	logR0, logR1 := math.Log(ratio[0]), math.Log(ratio[1])
	for range 10 {
		target := area * (scale[0] + (scale[1]-scale[0])*rng.Float64())
		ar := math.Exp(logR0 + (logR1-logR0)*rng.Float64())
		cw := int(math.RoundToEven(math.Sqrt(target * ar)))
		ch := int(math.RoundToEven(math.Sqrt(target / ar)))
		if cw > 0 && cw <= w && ch > 0 && ch <= h {
			top := rng.IntN(h - ch + 1)
			left := rng.IntN(w - cw + 1)
			return image.Rect(left, top, left+cw, top+ch)
		}
	}
	inRatio := float64(w) / float64(h)
	lo, hi := min(ratio[0], ratio[1]), max(ratio[0], ratio[1])
	cw, ch := w, h
	if inRatio < lo {
		ch = int(math.RoundToEven(float64(cw) / lo))
	} else if inRatio > hi {
		cw = int(math.RoundToEven(float64(ch) * hi))
	}
	top, left := (h-ch)/2, (w-cw)/2
	return image.Rect(left, top, left+cw, top+ch)
}
