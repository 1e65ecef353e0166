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
// drops their bounds checks). The decoders hand us *image.NRGBA / *image.RGBA
// (PNG, converted CMYK and grayscale) and *image.Gray; those are read through
// their Pix slices because image.Image.At allocates a color per call and is
// ~10× slower. JPEG's *image.YCbCr is resampled plane by plane (planar.go) and
// comes here only with a negative origin. Alpha is ignored: the loader gives us
// opaque RGB images.
func readRow(src image.Image, y, x0, x1 int, r, g, b []float32) {
	n := x1 - x0
	r, g, b = r[:n], g[:n], b[:n]
	switch im := src.(type) {
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
