package augment

import (
	"fmt"
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
// Every method draws from rng exactly what its float counterpart draws, in the same order,
// so a sample's augmentation depends on (seed, epoch, sample) alone on either path.

// checkPixels is checkApply for a uint8 destination.
func checkPixels(img image.Image, dst []uint8, n int) (image.Rectangle, error) {
	if len(dst) != n*n*3 {
		return image.Rectangle{}, fmt.Errorf("augment: dst has %d bytes, want %d (%d×%d×3)", len(dst), n*n*3, n, n)
	}
	b := img.Bounds()
	if b.Empty() {
		return b, fmt.Errorf("augment: empty image %v", b)
	}
	return b, nil
}

// ApplyBytes is Apply with 8-bit output: dst (Size×Size×3, HWC, RGB) gets the augmented
// pixels before normalisation. Erased boxes hold 8-bit noise (see RandomErasePixels).
func (t *Train) ApplyBytes(img image.Image, rng *rand.Rand, dst []uint8) error {
	n := t.p.size
	b, err := checkPixels(img, dst, n)
	if err != nil {
		return err
	}
	box := SampleRRCBox(b.Dx(), b.Dy(), t.p.rrc.scale, t.p.rrc.ratio, rng).Add(b.Min)
	ax, ay := cropAxes(box, n, n)
	t.p.runBytes(img, ax, ay, rng, dst)
	return nil
}

// ApplyScaledBytes is ApplyScaled with 8-bit output (see ApplyBytes).
func (t *Train) ApplyScaledBytes(img image.Image, fullW, fullH int, scale float64, rng *rand.Rand, dst []uint8) error {
	n := t.p.size
	b, err := checkPixels(img, dst, n)
	if err != nil {
		return err
	}
	box := SampleRRCBox(fullW, fullH, t.p.rrc.scale, t.p.rrc.ratio, rng)
	ax := scaledAxis(box.Min.X, box.Max.X, scale, b.Min.X, b.Dx(), n)
	ay := scaledAxis(box.Min.Y, box.Max.Y, scale, b.Min.Y, b.Dy(), n)
	t.p.runBytes(img, ax, ay, rng, dst)
	return nil
}

// runBytes is run (registry.go) with 8-bit output; the draws are the same: flip, the
// 8-bit ops, erasing.
func (p *pipeline) runBytes(img image.Image, ax, ay axis, rng *rand.Rand, dst []uint8) {
	n := p.size
	flip := p.flip > 0 && rng.Float64() < p.flip

	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if len(p.image) == 0 {
		resample(img, ax, ay, p.interp, s, emitBytes(dst, n, flip))
	} else {
		if s.img == nil || s.img.Rect.Dx() != n || s.img.Rect.Dy() != n {
			s.img = image.NewNRGBA(image.Rect(0, 0, n, n))
		}
		resample(img, ax, ay, p.interp, s, emitNRGBA(s.img, flip))
		for _, op := range p.image {
			op.Apply(s.img, rng)
		}
		nrgbaToRGB(s.img, dst)
	}
	for _, pe := range p.erase {
		RandomErasePixels(dst, n, n, pe, p.mean, p.std, rng)
	}
}

// ApplyBytes is Apply with 8-bit output: dst (Size×Size×3, HWC, RGB) gets the center crop
// before normalisation. rng may be nil, as for Apply.
func (e *Eval) ApplyBytes(img image.Image, rng *rand.Rand, dst []uint8) error {
	n := e.p.size
	b, err := checkPixels(img, dst, n)
	if err != nil {
		return err
	}
	rw, rh, top, left := resizeCropGeometry(b.Dx(), b.Dy(), e.p.short, n)
	ax := axis{lo: b.Min.X, inSize: b.Dx(), scale: float64(b.Dx()) / float64(rw), off: left, out: n}
	ay := axis{lo: b.Min.Y, inSize: b.Dy(), scale: float64(b.Dy()) / float64(rh), off: top, out: n}
	if rng == nil && e.p.draws() {
		rng = rand.New(rand.NewPCG(evalSeed, evalSeed))
	}
	e.p.runBytes(img, ax, ay, rng, dst)
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
		for x := 0; x < w; x++ {
			sx := x
			if flip {
				sx = w - 1 - x
			}
			p := row[3*sx : 3*sx+3 : 3*sx+3]
			o := out[3*x : 3*x+3 : 3*x+3]
			o[0], o[1], o[2] = uint8(p[0]), uint8(p[1]), uint8(p[2])
		}
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
			top = rng.IntN(h - eh + 1)
			left = rng.IntN(w - ew + 1)
			for y := top; y < top+eh; y++ {
				row := dst[(y*w+left)*3 : (y*w+left+ew)*3]
				for i := range row {
					c := i % 3
					v := 255 * (float64(mean[c]) + float64(std[c])*rng.NormFloat64())
					row[i] = uint8(min(max(math.Round(v), 0), 255))
				}
			}
			return top, left, eh, ew, true
		}
	}
	return 0, 0, 0, 0, false
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
