package augment

import (
	"image"
	"math"
	"sync"
)

// Why a hand-written resampler: the straightforward path with the imaging
// library (imaging.Crop then imaging.Resize) allocates a fresh NRGBA image per
// step (crop copy, horizontal pass, vertical pass), goes through a generic
// pixel conversion for *image.YCbCr, and resizes whole intermediate images
// before we normalise them into floats in another pass. Here we resample only
// the crop box, straight from the decoder's pixel planes, keep intermediate
// values as float32 in pooled scratch buffers, and write the final row already
// flipped and normalised into the caller's dst. BenchmarkImagingPath measures
// the difference.
//
// The resampling itself follows Pillow's ImagingResample (what torchvision
// uses on PIL images): a separable convolution, horizontal pass first, with
// the filter support widened by the scale factor when downscaling (antialias)
// and the taps clamped to the source extent and renormalised.

// axis describes one dimension of a resample: which source pixels may be read
// and how output indices map onto them.
type axis struct {
	lo     int     // absolute source coordinate of the first readable pixel
	inSize int     // number of readable source pixels from lo (taps are clamped to these)
	box0   float64 // start of the resampled box, relative to lo
	scale  float64 // source pixels per output pixel
	off    int     // index of the first produced output (center crop of a larger resize)
	out    int     // number of outputs produced
}

// coeffs holds per-output filter taps: output i reads count[i] source pixels
// starting at start[i] (relative to axis.lo) with weights w[i*k : i*k+count[i]].
type coeffs struct {
	k     int
	start []int
	count []int
	w     []float32
	w8    []float32 // the taps 8 to an output, for hfilter8 (pack8)
}

func (c *coeffs) compute(a axis, interp Interpolation) {
	c.start = grow(c.start, a.out)
	c.count = grow(c.count, a.out)
	if interp == Nearest {
		// Pillow's NEAREST resize samples the pixel under the output pixel's center.
		// Pillow (ImagingScaleAffine) accumulates the center by repeated
		// addition, which lands just below an exact integer now and then;
		// accumulate the same way so we pick the same pixel there too.
		c.k = 1
		c.w = grow(c.w, a.out)
		center := a.box0 + a.scale*0.5
		for range a.off {
			center += a.scale
		}
		for i := 0; i < a.out; i++ {
			c.start[i] = min(max(int(math.Floor(center)), 0), a.inSize-1)
			c.count[i] = 1
			c.w[i] = 1
			center += a.scale
		}
		return
	}
	fs := max(a.scale, 1)
	support := interp.support() * fs
	c.k = int(math.Ceil(support))*2 + 1
	c.w = grow(c.w, a.out*c.k)
	ss := 1 / fs
	for i := 0; i < a.out; i++ {
		center := a.box0 + (float64(i+a.off)+0.5)*a.scale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), a.inSize)
		w := c.w[i*c.k : (i+1)*c.k]
		clear(w)
		var total float64
		n := 0
		for x := xmin; x < xmax && n < len(w); x++ {
			v := interp.kernel((float64(x) - center + 0.5) * ss)
			w[n] = float32(v)
			total += v
			n++
		}
		if total != 0 {
			inv := float32(1 / total)
			for j := range n {
				w[j] *= inv
			}
		}
		if n == 0 { // degenerate: fall back to the nearest pixel
			xmin = min(max(int(math.Floor(center)), 0), a.inSize-1)
			w[0], n = 1, 1
		}
		c.start[i], c.count[i] = xmin, n
	}
}

// span returns the source range [lo, hi) (relative to axis.lo) the taps touch.
func (c *coeffs) span() (lo, hi int) {
	lo, hi = math.MaxInt, 0
	for i := range c.start {
		lo = min(lo, c.start[i])
		hi = max(hi, c.start[i]+c.count[i])
	}
	return lo, hi
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// scratch is the per-call working memory, pooled so that a worker resampling
// image after image allocates nothing in steady state.
type scratch struct {
	hc, vc coeffs
	row    []float32 // one source row, planar R, G, B floats
	tmp    []float32 // first-pass rows: filtered (HV) or source (VH) rows
	acc    []float32 // one output row
	img    *image.NRGBA
	ycc    *ycbcrScratch // for YCbCr sources, made on first use
	words  []uint32      // one output row packed to RGB words (byteSink.emitPlanes)
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// resample runs the separable resample of src described by ax, ay, and calls
// emit for each output row y with the row's RGB floats (0..255 scale,
// unclamped: bicubic can overshoot).
func resample(src image.Image, ax, ay axis, interp Interpolation, s *scratch, emit func(y int, row []float32)) {
	if im, ok := src.(*image.YCbCr); ok && resampleYCbCr(im, ax, ay, interp, s, emit) {
		return
	}
	s.hc.compute(ax, interp)
	s.vc.compute(ay, interp)
	xa, xb := s.hc.span()
	ya, yb := s.vc.span()
	// Pass order. The horizontal filter is scalar (gathers along a row), the
	// vertical one is whole-row SIMD multiply-adds. Horizontal first filters
	// (yb−ya) source rows; vertical first filters only ay.out rows but makes
	// the SIMD pass run over the wider source rows. For bilinear and nearest
	// (non-negative weights, nothing to clip between passes) the order only
	// changes float rounding, so pick the cheaper one (a vector op counts
	// about 1/4 of a scalar tap). Bicubic overshoots, and Pillow clips its
	// horizontal pass to 8 bits before the vertical one: vertical first moved
	// a few edge pixels by up to 4 levels against Pillow (TestAgainstPillow),
	// so bicubic keeps Pillow's order.
	saved := (yb - ya - ay.out) * ax.out * s.hc.k
	extra := ay.out * (xb - xa - ax.out) * s.vc.k / 4
	if interp != Bicubic && saved > extra {
		resampleVH(src, ax, ay, s, xa, xb, ya, yb, emit)
	} else {
		resampleHV(src, ax, ay, s, xa, xb, ya, yb, emit)
	}
}

// hfilter filters planar rows r, g, b (starting at source index xa) into
// one interleaved output row.
func (c *coeffs) hfilter(rp, gp, bp []float32, xa int, out []float32) {
	hk := c.k
	for x := range c.start {
		n := c.count[x]
		st := c.start[x] - xa
		w := c.w[x*hk : x*hk+n]
		rr, gg, bb := rp[st:st+n], gp[st:st+n], bp[st:st+n]
		rr, gg, bb = rr[:len(w)], gg[:len(w)], bb[:len(w)]
		var r, g, b float32
		for k, wk := range w {
			r += wk * rr[k]
			g += wk * gg[k]
			b += wk * bb[k]
		}
		o := out[3*x : 3*x+3 : 3*x+3]
		o[0], o[1], o[2] = r, g, b
	}
}

// resampleVH: read all needed source rows (planar), filter vertically into
// one planar row per output row, then horizontally.
func resampleVH(src image.Image, ax, ay axis, s *scratch, xa, xb, ya, yb int, emit func(int, []float32)) {
	nx := xb - xa
	rl := 3 * nx
	s.tmp = grow(s.tmp, (yb-ya)*rl)
	for y := ya; y < yb; y++ {
		r := s.tmp[(y-ya)*rl : (y-ya+1)*rl]
		readRow(src, ay.lo+y, ax.lo+xa, ax.lo+xb, r[:nx], r[nx:2*nx], r[2*nx:])
	}
	s.row = grow(s.row, rl)
	s.acc = grow(s.acc, 3*ax.out)
	vk := s.vc.k
	for y := 0; y < ay.out; y++ {
		n := s.vc.count[y]
		base := s.vc.start[y] - ya
		vfilter(s.row, s.tmp[base*rl:], rl, s.vc.w[y*vk:y*vk+n])
		clamp255(s.row)
		s.hc.hfilter(s.row[:nx], s.row[nx:2*nx], s.row[2*nx:], xa, s.acc)
		emit(y, s.acc)
	}
}

// resampleHV: filter every needed source row horizontally, then each output
// row vertically (Pillow's order).
func resampleHV(src image.Image, ax, ay axis, s *scratch, xa, xb, ya, yb int, emit func(int, []float32)) {
	outW := ax.out
	rowLen := 3 * outW
	s.row = grow(s.row, 3*(xb-xa))
	s.tmp = grow(s.tmp, (yb-ya)*rowLen)
	s.acc = grow(s.acc, rowLen)

	// Horizontal pass: every needed source row, only the needed columns.
	nx := xb - xa
	rp, gp, bp := s.row[:nx], s.row[nx:2*nx], s.row[2*nx:3*nx]
	for y := ya; y < yb; y++ {
		readRow(src, ay.lo+y, ax.lo+xa, ax.lo+xb, rp, gp, bp)
		out := s.tmp[(y-ya)*rowLen : (y-ya+1)*rowLen]
		s.hc.hfilter(rp, gp, bp, xa, out)
		clamp255(out)
	}

	// Vertical pass: each output row is a weighted sum of whole tmp rows,
	// contiguous multiply-adds (vectorised in vec_simd.go).
	vk := s.vc.k
	for y := 0; y < ay.out; y++ {
		acc := s.acc[:rowLen]
		n := s.vc.count[y]
		base := s.vc.start[y] - ya
		vfilter(acc, s.tmp[base*rowLen:], rowLen, s.vc.w[y*vk:y*vk+n])
		emit(y, acc)
	}
}

// normalizer maps 0..255 values to (v/255 - mean) / std as v*scale + bias.
type normalizer struct {
	scale, bias [3]float32
	// rowScale, rowBias repeat scale and bias along one output row (RGB per pixel), for
	// emitFloat; set once for the pipeline's size (withRows), so that no image pays for
	// building them.
	rowScale, rowBias []float32
}

// withRows returns nm with its per-row scale and bias built for rows of w pixels.
func (nm normalizer) withRows(w int) normalizer {
	nm.rowScale, nm.rowBias = make([]float32, 3*w), make([]float32, 3*w)
	for i := range nm.rowScale {
		nm.rowScale[i], nm.rowBias[i] = nm.scale[i%3], nm.bias[i%3]
	}
	return nm
}

func newNormalizer(mean, std [3]float32) normalizer {
	var n normalizer
	for c := range 3 {
		n.scale[c] = float32(1 / (255 * float64(std[c])))
		n.bias[c] = float32(-float64(mean[c]) / float64(std[c]))
	}
	return n
}

// emitFloat returns an emit function writing rows, clamped to [0,255] (as the
// uint8 output of PIL would be), optionally mirrored, normalised into dst
// (HWC, width w). The clamp and affine map run over the whole row at once
// (clampAffine, vectorised where the CPU allows) with per-position scale and
// bias rows, so the channel pattern costs nothing per pixel; a flip then only
// reverses the pixel order.
func (nm *normalizer) emitFloat(dst []float32, w int, flip bool) func(int, []float32) {
	if len(nm.rowScale) != 3*w {
		r := nm.withRows(w)
		nm = &r
	}
	scale, bias := nm.rowScale, nm.rowBias
	return func(y int, row []float32) {
		out := dst[y*3*w : (y+1)*3*w]
		if !flip {
			clampAffine(out, row[:3*w], scale, bias)
			return
		}
		row = row[:3*w]
		clampAffine(row, row, scale, bias)
		for x := 0; x < w; x++ {
			p := row[3*(w-1-x) : 3*(w-1-x)+3 : 3*(w-1-x)+3]
			o := out[3*x : 3*x+3 : 3*x+3]
			o[0], o[1], o[2] = p[0], p[1], p[2]
		}
	}
}

// emitPlanesFloat is emitFloat for the planar rows of a YCbCr resample: conversion to RGB,
// clamp and normalisation in one pass (ycbcrToFloats), with the floats emitFloat would
// store after ycbcrToRGBRow.
func (nm *normalizer) emitPlanesFloat(dst []float32, w int, flip bool) func(int, []float32, []float32, []float32) {
	return func(y int, yy, cb, cr []float32) {
		ycbcrToFloats(dst[y*3*w:(y+1)*3*w], yy[:w], cb[:w], cr[:w], flip, &nm.scale, &nm.bias)
	}
}

// ycbcrToFloatsGeneric converts planar Y, Cb, Cr floats to normalised RGB (out holds 3
// per pixel, mirrored when flip): ycbcrToRGBRow's arithmetic, then clampAffine's clamp,
// product and sum.
func ycbcrToFloatsGeneric(out, yy, cb, cr []float32, flip bool, scale, bias *[3]float32) {
	w := len(yy)
	cb, cr, out = cb[:w], cr[:w], out[:3*w]
	for x, l := range yy {
		p := x
		if flip {
			p = w - 1 - x
		}
		r, g, b := jfifRGB(l, cb[x], cr[x])
		o := out[3*p : 3*p+3 : 3*p+3]
		o[0] = min(max(r, 0), 255)*scale[0] + bias[0]
		o[1] = min(max(g, 0), 255)*scale[1] + bias[1]
		o[2] = min(max(b, 0), 255)*scale[2] + bias[2]
	}
}

// emitNRGBA returns an emit function that rounds rows to 8 bits (PIL's output
// quantisation) into img, optionally mirrored.
func emitNRGBA(img *image.NRGBA, flip bool) func(int, []float32) {
	w := img.Rect.Dx()
	return func(y int, row []float32) {
		out := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			sx := x
			if flip {
				sx = w - 1 - x
			}
			o := out[4*x : 4*x+4]
			o[0] = clampRound(row[3*sx])
			o[1] = clampRound(row[3*sx+1])
			o[2] = clampRound(row[3*sx+2])
			o[3] = 255
		}
	}
}

func clampRound(v float32) uint8 {
	return uint8(min(max(v+0.5, 0), 255))
}

// normalizeNRGBA writes an 8-bit image, normalised, into dst (HWC).
func (nm *normalizer) normalizeNRGBA(img *image.NRGBA, dst []float32) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		p := img.Pix[y*img.Stride : y*img.Stride+4*w]
		o := dst[y*3*w : (y+1)*3*w]
		for x := 0; x < w; x++ {
			for c := range 3 {
				o[3*x+c] = float32(p[4*x+c])*nm.scale[c] + nm.bias[c]
			}
		}
	}
}

// cropAxes returns the axes resampling box (absolute coordinates) of src to
// outW×outH, torchvision-style: crop first, so taps never read outside the box.
func cropAxes(box image.Rectangle, outW, outH int) (ax, ay axis) {
	ax = axis{lo: box.Min.X, inSize: box.Dx(), scale: float64(box.Dx()) / float64(outW), out: outW}
	ay = axis{lo: box.Min.Y, inSize: box.Dy(), scale: float64(box.Dy()) / float64(outH), out: outH}
	return ax, ay
}

// ResizedCrop crops box (absolute coordinates, inside img.Bounds()) out of
// img and resizes it to w×h with interp, optionally mirrored horizontally,
// into a new 8-bit NRGBA image (what torchvision's resized_crop + hflip give
// on a PIL image).
func ResizedCrop(img image.Image, box image.Rectangle, w, h int, interp Interpolation, flip bool) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	ax, ay := cropAxes(box, w, h)
	resample(img, ax, ay, interp, s, emitNRGBA(out, flip))
	return out
}
