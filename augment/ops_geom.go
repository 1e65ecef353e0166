package augment

import (
	"image"
	"math"
	"sync"
)

var pixPool = sync.Pool{New: func() any { return new([]uint8) }}

// copyPix returns a pooled copy of img.Pix; give it back with pixPool.Put.
func copyPix(img *image.NRGBA) *[]uint8 {
	bp := pixPool.Get().(*[]uint8)
	*bp = grow(*bp, len(img.Pix))
	copy(*bp, img.Pix)
	return bp
}

// Affine resamples img in place through Pillow's AFFINE transform data
// (a, b, c, d, e, f): output pixel (x, y) takes the input at
// (a·x' + b·y' + c, d·x' + e·y' + f) with x' = x + 0.5, y' = y + 0.5 (pixel
// centers, as Pillow's affine_transform), interpolated like Pillow's
// transform filters (nearest; bilinear; bicubic with a = −1, edges clamped),
// and filled with timm's color (124, 116, 104) where that point falls
// outside the image. timm passes the training interpolation here (bicubic in
// the DeiT/TokenFormer recipe).
func Affine(img *image.NRGBA, m [6]float64, interp Interpolation) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	bp := copyPix(img)
	defer pixPool.Put(bp)
	src := *bp
	stride := img.Stride
	var wx, wy [4]float32
	var ix, iy [4]int
	for y := 0; y < h; y++ {
		out := img.Pix[y*stride : y*stride+4*w]
		yc := float64(y) + 0.5
		for x := 0; x < w; x++ {
			xc := float64(x) + 0.5
			u := m[0]*xc + m[1]*yc + m[2]
			v := m[3]*xc + m[4]*yc + m[5]
			o := out[4*x : 4*x+3 : 4*x+3]
			if u < 0 || u >= float64(w) || v < 0 || v >= float64(h) {
				o[0], o[1], o[2] = fillColor[0], fillColor[1], fillColor[2]
				continue
			}
			if interp == Nearest {
				p := src[int(v)*stride+4*int(u):]
				o[0], o[1], o[2] = p[0], p[1], p[2]
				continue
			}
			u -= 0.5
			v -= 0.5
			x0, y0 := math.Floor(u), math.Floor(v)
			dx, dy := u-x0, v-y0
			n := 2
			if interp == Bicubic {
				n = 4
				cubicWeights(dx, &wx)
				cubicWeights(dy, &wy)
				x0--
				y0--
			} else {
				wx[0], wx[1] = float32(1-dx), float32(dx)
				wy[0], wy[1] = float32(1-dy), float32(dy)
			}
			for k := 0; k < n; k++ {
				ix[k] = 4 * min(max(int(x0)+k, 0), w-1)
				iy[k] = stride * min(max(int(y0)+k, 0), h-1)
			}
			var acc [3]float32
			for j := 0; j < n; j++ {
				row := src[iy[j]:]
				var r, g, b float32
				for k := 0; k < n; k++ {
					p := row[ix[k] : ix[k]+3 : ix[k]+3]
					r += wx[k] * float32(p[0])
					g += wx[k] * float32(p[1])
					b += wx[k] * float32(p[2])
				}
				acc[0] += wy[j] * r
				acc[1] += wy[j] * g
				acc[2] += wy[j] * b
			}
			o[0], o[1], o[2] = clampRound(acc[0]), clampRound(acc[1]), clampRound(acc[2])
		}
	}
}

// cubicWeights are the four taps of Pillow's transform bicubic (a = −1) at
// fractional offset d: p1 + d(p2 + d(p3 + d·p4)) rewritten as weights on
// v1..v4.
func cubicWeights(d float64, w *[4]float32) {
	d2, d3 := d*d, d*d*d
	w[0] = float32(-d + 2*d2 - d3)
	w[1] = float32(1 - 2*d2 + d3)
	w[2] = float32(d + d2 - d3)
	w[3] = float32(-d2 + d3)
}

// Rotate rotates img in place by deg degrees counter-clockwise about its
// center (Pillow's Image.rotate: same size, matrix entries rounded to 15
// decimals, timm's fill color outside).
func Rotate(img *image.NRGBA, deg float64, interp Interpolation) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	a := -deg * math.Pi / 180
	r15 := func(v float64) float64 { return math.Round(v*1e15) / 1e15 }
	m := [6]float64{r15(math.Cos(a)), r15(math.Sin(a)), 0, r15(-math.Sin(a)), r15(math.Cos(a)), 0}
	cx, cy := w/2, h/2
	m[2] = m[0]*-cx + m[1]*-cy + cx
	m[5] = m[3]*-cx + m[4]*-cy + cy
	Affine(img, m, interp)
}
