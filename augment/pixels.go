package augment

import (
	"image"
	"math"
	"math/rand/v2"
)

// The uint8 output of the per-image transforms. A batch of 8-bit pixels is a quarter of the
// bytes of its normalised floats, in the loader's prefetch queue and on the way to the
// device; the model's graph normalises them (vision.PixelsToImages). The bytes are what
// torchvision's PIL pipeline holds before ToTensor: the resampled crop rounded to 8 bits,
// flipped, RandAugment-ed, and (unlike timm, which erases after normalising) erased.
//
// Every method runs the same pipeline as its float counterpart (pipeline.run, into a
// byteSink), so it draws from rng exactly the same, in the same order: a sample's
// augmentation depends on (seed, epoch, sample) alone on either path.

// ApplyBytes is Apply with 8-bit output: dst (Size×Size×3, HWC, RGB) gets the augmented
// pixels before normalisation. Erased boxes hold 8-bit noise (see RandomErasePixels).
func (t *Train) ApplyBytes(img image.Image, rng *rand.Rand, dst []uint8) error {
	b, err := checkApply(img, dst, t.p.size)
	if err != nil {
		return err
	}
	t.applyTo(img, b, rng, t.p.bytes(dst))
	return nil
}

// ApplyScaledBytes is ApplyScaled with 8-bit output (see ApplyBytes).
func (t *Train) ApplyScaledBytes(img image.Image, fullW, fullH int, scale float64, rng *rand.Rand, dst []uint8) error {
	b, err := checkApply(img, dst, t.p.size)
	if err != nil {
		return err
	}
	t.applyScaledTo(img, b, fullW, fullH, scale, rng, t.p.bytes(dst))
	return nil
}

// ApplyBytes is Apply with 8-bit output: dst (Size×Size×3, HWC, RGB) gets the center crop
// before normalisation. rng may be nil, as for Apply.
func (e *Eval) ApplyBytes(img image.Image, rng *rand.Rand, dst []uint8) error {
	b, err := checkApply(img, dst, e.p.size)
	if err != nil {
		return err
	}
	e.applyTo(img, b, rng, e.p.bytes(dst))
	return nil
}

// emitBytes returns an emit function rounding rows to 8 bits (PIL's output quantisation,
// as emitNRGBA), optionally mirrored, into dst (HWC RGB, width w). The rounding runs over
// the whole row at once (roundRow, vectorised where the CPU allows); what is left per
// value is the store.
func emitBytes(dst []uint8, w int, flip bool) func(int, []float32) {
	return func(y int, row []float32) {
		out := dst[y*3*w : (y+1)*3*w]
		row = row[:3*w]
		roundRow(row)
		if !flip { // one straight loop: the channel order is the same
			for i, v := range row {
				out[i] = uint8(v)
			}
			return
		}
		for x := 0; x < w; x++ {
			p := row[3*(w-1-x) : 3*(w-1-x)+3 : 3*(w-1-x)+3]
			o := out[3*x : 3*x+3 : 3*x+3]
			o[0], o[1], o[2] = uint8(p[0]), uint8(p[1]), uint8(p[2])
		}
	}
}

// emitPlanesBytes is emitBytes for the planar rows of a YCbCr resample: the conversion to
// RGB, the rounding and the store in one pass (ycbcrToBytes), with the bytes emitBytes
// would store after ycbcrToRGBRow.
// words (w of them) is the row buffer ycbcrToBytes packs into.
func emitPlanesBytes(dst []uint8, w int, flip bool, words []uint32) func(int, []float32, []float32, []float32) {
	return func(y int, yy, cb, cr []float32) {
		ycbcrToBytes(dst[y*3*w:(y+1)*3*w], yy[:w], cb[:w], cr[:w], flip, words)
	}
}

// ycbcrToBytesGeneric converts planar Y, Cb, Cr floats to rounded RGB bytes (out holds 3
// per pixel, mirrored when flip) with ycbcrToRGBRow's arithmetic and clampRound's rounding.
func ycbcrToBytesGeneric(out []uint8, yy, cb, cr []float32, flip bool) {
	w := len(yy)
	cb, cr, out = cb[:w], cr[:w], out[:3*w]
	for x, l := range yy {
		p := x
		if flip {
			p = w - 1 - x
		}
		r, g, b := jfifRGB(l, cb[x], cr[x])
		o := out[3*p : 3*p+3 : 3*p+3]
		o[0], o[1], o[2] = clampRound(r), clampRound(g), clampRound(b)
	}
}

func nrgbaToRGB(img *image.NRGBA, dst []uint8) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		p := img.Pix[y*img.Stride : y*img.Stride+4*w]
		o := dst[y*3*w : (y+1)*3*w]
		for x := 0; x < w; x++ {
			o[3*x], o[3*x+1], o[3*x+2] = p[4*x], p[4*x+1], p[4*x+2]
		}
	}
}

// RandomErasePixels is RandomErase on 8-bit pixels (h×w×3 HWC in dst), with the same draws
// from rng: the same box, and per pixel and channel the same standard normal z, stored as
// the byte whose normalisation is closest to z, round(255·(mean + std·z)) clipped to
// 0..255. The noise the model sees is then N(0,1) rounded to steps of 1/(255·std) (0.017
// for ImageNet's std) and clipped to the normalised range of a real pixel, [−mean/std,
// (1−mean)/std] (about [−2.1, 2.2] for ImageNet's red, [−1.8, 2.6] for its blue): 3 to 4%
// of each channel's draws sit on a bound instead of in the tails, the variance is 0.93 to
// 0.95 instead of 1 and the mean shifts by up to +0.015 (TestRandomErasePixelsDistribution
// measures these). timm's erased pixels can leave that range; a real image's cannot, so
// the clipped ones look no less like image content. Erasing in the graph would keep timm's
// exact N(0,1) but needs a device RNG stream per sample to stay reproducible across
// resumes and worker counts; the difference is confined to the 3–4% tail draws of the
// noise, and noise covers about 4% of the training pixels (p 0.25 × a mean box area of 18%).
func RandomErasePixels(dst []uint8, h, w int, p float64, mean, std [3]float32, rng *rand.Rand) (top, left, eh, ew int, ok bool) {
	if top, left, eh, ew, ok = eraseBox(h, w, p, rng); !ok {
		return
	}
	for y := top; y < top+eh; y++ {
		row := dst[(y*w+left)*3 : (y*w+left+ew)*3]
		for i := range row {
			c := i % 3
			v := 255 * (float64(mean[c]) + float64(std[c])*rng.NormFloat64())
			row[i] = uint8(min(max(math.Round(v), 0), 255))
		}
	}
	return
}

// NormalizeAffine returns the per-channel scale and bias that map an 8-bit value v to
// (v/255 − mean)/std as v·scale + bias: the float32 constants the host normalisation
// uses, so a graph computing the same two float32 operations gets the same bits.
func NormalizeAffine(mean, std [3]float32) (scale, bias [3]float32) {
	n := newNormalizer(mean, std)
	return n.scale, n.bias
}

// NormalizePixels writes the normalised floats of 8-bit HWC RGB pixels into dst
// (len(dst) == len(src)): the host-side normalisation of the float path.
func NormalizePixels(src []uint8, mean, std [3]float32, dst []float32) {
	n := newNormalizer(mean, std)
	dst = dst[:len(src)]
	for i, v := range src {
		c := i % 3
		dst[i] = float32(v)*n.scale[c] + n.bias[c]
	}
}
