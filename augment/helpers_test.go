package augment

import (
	"image"
	"image/color"
	"math/rand/v2"
)

// transform is the loader's contract (defined in imagenet/, restated here so
// the compiler checks that Train and Eval satisfy it).
type transform interface {
	Size() (h, w int)
	Apply(img image.Image, rng *rand.Rand, dst []float32) error
}

var (
	_ transform = (*Train)(nil)
	_ transform = (*Eval)(nil)
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

func randomNRGBA(w, h int, seed uint64) *image.NRGBA {
	rng := newRNG(seed)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		if i%4 == 3 {
			img.Pix[i] = 255
		} else {
			img.Pix[i] = uint8(rng.IntN(256))
		}
	}
	return img
}

// syntheticYCbCr is a 4:2:0 image like image/jpeg decodes, with smooth
// gradients plus noise so resampling does real work.
func syntheticYCbCr(w, h int, seed uint64) *image.YCbCr {
	rng := newRNG(seed)
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = uint8((x*255/w+y*255/h)/2 + rng.IntN(32))
		}
	}
	for i := range img.Cb {
		img.Cb[i] = uint8(96 + rng.IntN(64))
		img.Cr[i] = uint8(96 + rng.IntN(64))
	}
	return img
}

// rgbAt is the reference pixel read through the generic image interface.
func rgbAt(img image.Image, x, y int) [3]uint8 {
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return [3]uint8{c.R, c.G, c.B}
}

// captureResample returns the raw (unclamped, unnormalised) output rows.
func captureResample(img image.Image, ax, ay axis, interp Interpolation) []float32 {
	out := make([]float32, ax.out*ay.out*3)
	s := new(scratch)
	resample(img, ax, ay, interp, s, func(y int, row []float32) {
		copy(out[y*ax.out*3:], row)
	})
	return out
}

func cloneNRGBA(img *image.NRGBA) *image.NRGBA {
	c := *img
	c.Pix = append([]uint8(nil), img.Pix...)
	return &c
}
