package augment

import (
	"image"
)

// The RandAugment pixel ops work in place on 8-bit RGB images and follow
// Pillow's ImageOps / ImageEnhance definitions (what timm calls), including
// their integer truncations, so that a magnitude means the same here as in
// the reference recipe. Alpha is left alone.

// applyLUT maps each RGB channel through its 256-entry table.
func applyLUT(img *image.NRGBA, lut *[3][256]uint8) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		p := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			p[4*x] = lut[0][p[4*x]]
			p[4*x+1] = lut[1][p[4*x+1]]
			p[4*x+2] = lut[2][p[4*x+2]]
		}
	}
}

func histograms(img *image.NRGBA) (hist [3][256]int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		p := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			hist[0][p[4*x]]++
			hist[1][p[4*x+1]]++
			hist[2][p[4*x+2]]++
		}
	}
	return hist
}

func clip8(v int) uint8 {
	return uint8(min(max(v, 0), 255))
}

// Invert maps v to 255 - v (ImageOps.invert).
func Invert(img *image.NRGBA) {
	var lut [3][256]uint8
	for c := range 3 {
		for i := range 256 {
			lut[c][i] = uint8(255 - i)
		}
	}
	applyLUT(img, &lut)
}

// Posterize keeps the bits most significant bits of each channel
// (ImageOps.posterize); bits >= 8 leaves the image unchanged, bits <= 0 makes
// it black, as timm's posterize does.
func Posterize(img *image.NRGBA, bits int) {
	if bits >= 8 {
		return
	}
	bits = max(bits, 0)
	mask := ^uint8((1 << (8 - bits)) - 1)
	var lut [3][256]uint8
	for c := range 3 {
		for i := range 256 {
			lut[c][i] = uint8(i) & mask
		}
	}
	applyLUT(img, &lut)
}

// Solarize inverts values >= thresh (ImageOps.solarize).
func Solarize(img *image.NRGBA, thresh int) {
	var lut [3][256]uint8
	for c := range 3 {
		for i := range 256 {
			if i < thresh {
				lut[c][i] = uint8(i)
			} else {
				lut[c][i] = uint8(255 - i)
			}
		}
	}
	applyLUT(img, &lut)
}

// SolarizeAdd adds add (saturating) to values below thresh (timm's solarize_add).
func SolarizeAdd(img *image.NRGBA, add, thresh int) {
	var lut [3][256]uint8
	for c := range 3 {
		for i := range 256 {
			if i < thresh {
				lut[c][i] = clip8(i + add)
			} else {
				lut[c][i] = uint8(i)
			}
		}
	}
	applyLUT(img, &lut)
}

// AutoContrast stretches each channel linearly so its min maps to 0 and its
// max to 255 (ImageOps.autocontrast, cutoff 0, truncating like Pillow); a
// constant channel is left alone.
func AutoContrast(img *image.NRGBA) {
	hist := histograms(img)
	var lut [3][256]uint8
	for c := range 3 {
		lo, hi := 0, 255
		for lo < 256 && hist[c][lo] == 0 {
			lo++
		}
		for hi >= 0 && hist[c][hi] == 0 {
			hi--
		}
		if hi <= lo {
			for i := range 256 {
				lut[c][i] = uint8(i)
			}
			continue
		}
		scale := 255.0 / float64(hi-lo)
		offset := -float64(lo) * scale
		for i := range 256 {
			lut[c][i] = clip8(int(float64(i)*scale + offset))
		}
	}
	applyLUT(img, &lut)
}

// Equalize equalises each channel's histogram (ImageOps.equalize).
func Equalize(img *image.NRGBA) {
	hist := histograms(img)
	var lut [3][256]uint8
	for c := range 3 {
		total, last, nonzero := 0, 0, 0
		for i := range 256 {
			if v := hist[c][i]; v != 0 {
				total += v
				last = v
				nonzero++
			}
		}
		step := 0
		if nonzero > 1 {
			step = (total - last) / 255
		}
		if step == 0 {
			for i := range 256 {
				lut[c][i] = uint8(i)
			}
			continue
		}
		n := step / 2
		for i := range 256 {
			lut[c][i] = clip8(n / step)
			n += hist[c][i]
		}
	}
	applyLUT(img, &lut)
}

// blend is Pillow's Image.blend(degenerate, img, f) for one value:
// trunc(clip(d + f·(v − d))).
func blend(v uint8, d, f float32) uint8 {
	r := d + f*(float32(v)-d)
	switch {
	case r <= 0:
		return 0
	case r >= 255:
		return 255
	}
	return uint8(r)
}

// luma is Pillow's RGB→L conversion (ITU-R 601-2, fixed point, rounded).
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// Color blends with the grayscale image (ImageEnhance.Color): 0 gives gray,
// 1 the original.
func Color(img *image.NRGBA, f float64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	ff := float32(f)
	for y := 0; y < h; y++ {
		p := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			q := p[4*x : 4*x+3 : 4*x+3]
			l := float32(luma(q[0], q[1], q[2]))
			q[0], q[1], q[2] = blend(q[0], l, ff), blend(q[1], l, ff), blend(q[2], l, ff)
		}
	}
}

// blendConst blends every channel value with the constant d.
func blendConst(img *image.NRGBA, d, f float32) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		p := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			q := p[4*x : 4*x+3 : 4*x+3]
			q[0], q[1], q[2] = blend(q[0], d, f), blend(q[1], d, f), blend(q[2], d, f)
		}
	}
}

// Contrast blends with a constant image at the rounded mean luma
// (ImageEnhance.Contrast).
func Contrast(img *image.NRGBA, f float64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var sum int
	for y := 0; y < h; y++ {
		p := img.Pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			sum += int(luma(p[4*x], p[4*x+1], p[4*x+2]))
		}
	}
	mean := float32(int(float64(sum)/float64(w*h) + 0.5))
	blendConst(img, mean, float32(f))
}

// Brightness blends with black (ImageEnhance.Brightness).
func Brightness(img *image.NRGBA, f float64) {
	blendConst(img, 0, float32(f))
}

// Sharpness blends with Pillow's SMOOTH-filtered image (3×3 kernel
// [1 1 1; 1 5 1; 1 1 1]/13, rounded; border pixels unfiltered, so unchanged),
// ImageEnhance.Sharpness.
func Sharpness(img *image.NRGBA, f float64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w < 3 || h < 3 {
		return
	}
	bp := copyPix(img)
	defer pixPool.Put(bp)
	src := *bp
	st := img.Stride
	ff := float32(f)
	for y := 1; y < h-1; y++ {
		up, mid, dn := src[(y-1)*st:], src[y*st:], src[(y+1)*st:]
		out := img.Pix[y*st:]
		for x := 1; x < w-1; x++ {
			for c := 4 * x; c < 4*x+3; c++ {
				s := int(up[c-4]) + int(up[c]) + int(up[c+4]) +
					int(mid[c-4]) + 5*int(mid[c]) + int(mid[c+4]) +
					int(dn[c-4]) + int(dn[c]) + int(dn[c+4])
				d := float32((2*s + 13) / 26) // round(s/13), half up
				out[c] = blend(mid[c], d, ff)
			}
		}
	}
}
