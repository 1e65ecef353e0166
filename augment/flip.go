package augment

import (
	"image"
	"math/rand/v2"
)

func init() { Register("flip", buildFlip) }

// buildFlip: flip(p=0.5), a horizontal flip with probability p (torchvision's
// RandomHorizontalFlip default). Directly after the geometry it costs nothing: the
// resample writes its rows mirrored. After an 8-bit op it mirrors the 8-bit image.
func buildFlip(a *Args) (Op, error) {
	p := a.Float("p", 0.5)
	if !(p >= 0 && p <= 1) {
		return nil, a.Errorf("p", "%g, want a probability in [0,1]", p)
	}
	return flipStage{p: p}, nil
}

// flipImage is a flip placed after 8-bit ops, where the resample can no longer do it.
type flipImage flipStage

// Apply draws as the fused flip does (one Float64 when p > 0) and mirrors img.
func (f flipImage) Apply(img *image.NRGBA, rng *rand.Rand) {
	if !(f.p > 0 && rng.Float64() < f.p) {
		return
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for l, r := 0, w-1; l < r; l, r = l+1, r-1 {
			a, b := row[4*l:4*l+4:4*l+4], row[4*r:4*r+4:4*r+4]
			a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3] = b[0], b[1], b[2], b[3], a[0], a[1], a[2], a[3]
		}
	}
}
