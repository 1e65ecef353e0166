package augment

import (
	"fmt"
	"image"
)

// checkApply is what both transforms require before they write: dst holds one n×n×3 view
// and img has pixels. It returns img's bounds.
func checkApply[T float32 | uint8](img image.Image, dst []T, n int) (image.Rectangle, error) {
	if len(dst) != n*n*3 {
		unit := "floats"
		if _, bytes := any(dst).([]uint8); bytes {
			unit = "bytes"
		}
		return image.Rectangle{}, fmt.Errorf("augment: dst has %d %s, want %d (%d×%d×3)", len(dst), unit, n*n*3, n, n)
	}
	b := img.Bounds()
	if b.Empty() {
		return b, fmt.Errorf("augment: empty image %v", b)
	}
	return b, nil
}

// readRow converts the pixels [x0,x1) of row y (absolute coordinates) of src to
// floats on the 0..255 scale, into the planes r, g, b (planar so that the
// horizontal filter loops index three equal-length slices and the compiler
// drops their bounds checks). The decoders hand
// us *image.YCbCr (JPEG), *image.NRGBA / *image.RGBA (PNG, converted CMYK) and
// *image.Gray (grayscale JPEG); those are read through their Pix slices
// because image.Image.At allocates a color per call and is ~10× slower.
// Alpha is ignored: the loader gives us opaque RGB images.
func readRow(src image.Image, y, x0, x1 int, r, g, b []float32) {
	n := x1 - x0
	r, g, b = r[:n], g[:n], b[:n]
	switch im := src.(type) {
	case *image.YCbCr:
		readRowYCbCr(im, y, x0, x1, r, g, b)
	case *image.NRGBA:
		readRow4(im.Pix[im.PixOffset(x0, y):], r, g, b)
	case *image.RGBA:
		readRow4(im.Pix[im.PixOffset(x0, y):], r, g, b)
	case *image.Gray:
		pix := im.Pix[im.PixOffset(x0, y):]
		pix = pix[:n]
		for i, p := range pix {
			v := float32(p)
			r[i], g[i], b[i] = v, v, v
		}
	default:
		for x := x0; x < x1; x++ {
			cr, cg, cb, _ := src.At(x, y).RGBA()
			i := x - x0
			r[i], g[i], b[i] = float32(cr>>8), float32(cg>>8), float32(cb>>8)
		}
	}
}

// readRow4Generic converts RGBA/NRGBA bytes (alpha ignored) to planar floats.
func readRow4Generic(pix []uint8, r, g, b []float32) {
	n := len(r)
	pix = pix[:4*n]
	g, b = g[:n], b[:n]
	for i := range r {
		p := pix[4*i : 4*i+3 : 4*i+3]
		r[i], g[i], b[i] = float32(p[0]), float32(p[1]), float32(p[2])
	}
}

// chromaShift returns log2 of how many luma pixels share one chroma sample
// along x and y for a subsample ratio.
func chromaShift(r image.YCbCrSubsampleRatio) (sx, sy uint) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	case image.YCbCrSubsampleRatio411:
		return 2, 0
	case image.YCbCrSubsampleRatio410:
		return 2, 1
	}
	return 0, 0
}

// readRowYCbCr converts with the same fixed-point arithmetic as
// color.YCbCrToRGB, so the fast path is bit-identical to im.At(x, y). Chroma
// indices use shifts, which equal image.YCbCr's divisions for non-negative
// coordinates (other images take the generic path).
func readRowYCbCr(im *image.YCbCr, y, x0, x1 int, ro, gout, bo []float32) {
	if im.Rect.Min.X < 0 || im.Rect.Min.Y < 0 {
		for x := x0; x < x1; x++ {
			cr, cg, cb, _ := im.At(x, y).RGBA()
			ro[x-x0], gout[x-x0], bo[x-x0] = float32(cr>>8), float32(cg>>8), float32(cb>>8)
		}
		return
	}
	sx, sy := chromaShift(im.SubsampleRatio)
	ybase := (y-im.Rect.Min.Y)*im.YStride - im.Rect.Min.X
	yp := im.Y
	crow := ((y >> sy) - (im.Rect.Min.Y >> sy)) * im.CStride
	cmin := im.Rect.Min.X >> sx
	cb, cr := im.Cb, im.Cr
	for x := x0; x < x1; x++ {
		ci := crow + x>>sx - cmin
		yy1 := int32(yp[ybase+x]) * 0x10101
		cb1 := int32(cb[ci]) - 128
		cr1 := int32(cr[ci]) - 128
		r := yy1 + 91881*cr1
		if uint32(r)&0xff000000 == 0 {
			r >>= 16
		} else {
			r = ^(r >> 31)
		}
		g := yy1 - 22554*cb1 - 46802*cr1
		if uint32(g)&0xff000000 == 0 {
			g >>= 16
		} else {
			g = ^(g >> 31)
		}
		b := yy1 + 116130*cb1
		if uint32(b)&0xff000000 == 0 {
			b >>= 16
		} else {
			b = ^(b >> 31)
		}
		i := x - x0
		ro[i] = float32(uint8(r))
		gout[i] = float32(uint8(g))
		bo[i] = float32(uint8(b))
	}
}
