package augment

import "image"

// Resampling a YCbCr image plane by plane.
//
// A JPEG holds luma at full resolution and chroma usually at half (4:2:0). PIL, and so
// torchvision, has libjpeg upsample the chroma to full size ("fancy" upsampling: each
// pixel mixes its nearest chroma sample 3:1 with the next nearest), convert every pixel to
// RGB, then resample three full-size channels. All three steps are linear (the conversion
// affine), so they can be reordered: the luma plane is resampled as it is, and each
// chroma plane with the luma filter composed with that upsampling (composeUpsample), which
// reads the chroma samples directly; only the output pixels are converted. The result is
// PIL's up to where PIL rounds and clips in between (8-bit upsampled chroma, 8-bit RGB,
// out-of-gamut colours clipped before resampling, bicubic overshoot clipped per RGB
// channel rather than per plane): TestPlanarAgainstPillow bounds it on a JPEG. The work
// drops because the chroma planes have a quarter of the samples (the horizontal pass, the
// costliest, filters 1 + 2/4 planes of source rows instead of 3) and the decoder skips
// its upsampling and conversion (decode.Options.YCbCr).

// plane is one 8-bit channel of an image; pixel (x, y), absolute coordinates, is at
// pix[(y-y0)*stride + x-x0] for x0 <= x < x1, y0 <= y < y1.
type plane struct {
	pix            []uint8
	stride         int
	x0, y0, x1, y1 int
}

// ycbcrPlanes splits im into its planes, with the chroma planes' coordinates in chroma
// samples (luma coordinate >> shift, as image.YCbCr indexes them). ok is false for
// images the shifts do not describe (negative origins, where image.YCbCr's division
// rounds towards zero).
func ycbcrPlanes(im *image.YCbCr) (y, cb, cr plane, sx, sy uint, ok bool) {
	r := im.Rect
	if r.Min.X < 0 || r.Min.Y < 0 || r.Empty() {
		return plane{}, plane{}, plane{}, 0, 0, false
	}
	sx, sy = chromaShift(im.SubsampleRatio)
	y = plane{im.Y, im.YStride, r.Min.X, r.Min.Y, r.Max.X, r.Max.Y}
	c := plane{nil, im.CStride, r.Min.X >> sx, r.Min.Y >> sy, (r.Max.X-1)>>sx + 1, (r.Max.Y-1)>>sy + 1}
	cb, cr = c, c
	cb.pix, cr.pix = im.Cb, im.Cr
	return y, cb, cr, sx, sy, true
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

// upsampleTaps gives the chroma samples (absolute indices, clamped to [c0, c1)) and
// weights that libjpeg's upsampling mixes into the chroma of pixel p, for 2^shift pixels
// per sample: for 2, the fancy (triangle) upsampling of jdsample.c, 3/4 of the sample
// covering p and 1/4 of its neighbour on p's side; otherwise (4:1:1, 4:1:0) the sample
// repeated, as libjpeg does for those.
func upsampleTaps(p int, shift uint, c0, c1 int) (j, k int, wj, wk float64) {
	j = min(max(p>>shift, c0), c1-1)
	if shift != 1 {
		return j, j, 1, 0
	}
	k = j - 1
	if p&1 == 1 {
		k = j + 1
	}
	return j, min(max(k, c0), c1-1), 0.75, 0.25
}

// composeUpsample sets c to the filter taps on chroma samples equivalent to l (luma taps,
// relative to llo) applied to the upsampled chroma, and returns the absolute index of the
// sample c's starts are relative to. Chroma samples lie in [c0, c1).
func (c *coeffs) composeUpsample(l *coeffs, llo int, shift uint, c0, c1 int) (base int) {
	n := len(l.start)
	c.start, c.count = grow(c.start, n), grow(c.count, n)
	lo, _ := l.span()
	base = max((llo+lo)>>shift-1, c0)
	// Each output's samples: from the first tap's lower neighbour to the last's upper one.
	c.k = 0
	for x := range n {
		first := max((llo+l.start[x])>>shift-1, c0)
		last := min((llo+l.start[x]+l.count[x]-1)>>shift+1, c1-1)
		c.start[x], c.count[x] = first-base, last-first+1
		c.k = max(c.k, last-first+1)
	}
	c.w = grow(c.w, n*c.k)
	clear(c.w)
	var acc [64]float64
	for x := range n {
		first := c.start[x] + base
		var sum []float64
		if c.count[x] <= len(acc) {
			sum = acc[:c.count[x]]
			clear(sum)
		} else { // a reduction of more than ~30× (a full-size photo without a reduced decode)
			sum = make([]float64, c.count[x])
		}
		for t := range l.count[x] {
			w := float64(l.w[x*l.k+t])
			j, k, wj, wk := upsampleTaps(llo+l.start[x]+t, shift, c0, c1)
			sum[j-first] += w * wj
			sum[k-first] += w * wk
		}
		for t, v := range sum {
			c.w[x*c.k+t] = float32(v)
		}
	}
	return base
}

// planeScratch is resamplePlane's working memory.
type planeScratch struct {
	hc, vc   coeffs
	row, tmp []float32
}

// resamplePlane resamples p with the taps hc (horizontal, starts relative to column xlo;
// packed: hc.pack8 succeeded) and vc (vertical, relative to row ylo), Pillow's order:
// horizontal, clipped to [0, 255], then vertical, into out (len(vc.start) rows of
// len(hc.start) values).
func resamplePlane(p plane, hc *coeffs, packed bool, vc *coeffs, xlo, ylo int, s *planeScratch, out []float32) {
	xa, xb := hc.span()
	ya, yb := vc.span()
	nx, ow := xb-xa, len(hc.start)
	s.row = grow(s.row, nx+8)
	clear(s.row[nx:]) // hfilter8 reads up to 8 values past a start, with weight 0
	s.tmp = grow(s.tmp, (yb-ya)*ow)
	for y := ya; y < yb; y++ {
		i := (ylo+y-p.y0)*p.stride + xlo + xa - p.x0
		bytesToFloats(s.row[:nx], p.pix[i:]) // the rest of the plane lets it read ahead
		t := s.tmp[(y-ya)*ow : (y-ya+1)*ow]
		if packed {
			hc.hfilter8(s.row, xa, t)
		} else {
			hc.hfilter1(s.row, xa, t)
		}
		clamp255(t)
	}
	vk := vc.k
	for y := range vc.start {
		n := vc.count[y]
		base := vc.start[y] - ya
		vfilter(out[y*ow:(y+1)*ow], s.tmp[base*ow:], ow, vc.w[y*vk:y*vk+n])
	}
}

// pack8 lays the taps out 8 to an output (w8, zero-padded) for hfilter8, when no output
// has more than 8 (bicubic up to a 1.75× reduction, bilinear 3.5×); false otherwise.
func (c *coeffs) pack8() bool {
	for _, n := range c.count {
		if n > 8 {
			return false
		}
	}
	c.w8 = grow(c.w8, 8*len(c.start))
	clear(c.w8)
	for x, n := range c.count {
		copy(c.w8[8*x:8*x+n], c.w[x*c.k:x*c.k+n])
	}
	return true
}

// dot8 is output x of hfilter8, one lane at a time in the same order as the SIMD tree
// sums them (pairs, then pairs of pairs, then the two halves).
func (c *coeffs) dot8(src []float32, xa, x int) float32 {
	s := c.start[x] - xa
	v := src[s : s+8 : s+8]
	w := c.w8[8*x : 8*x+8 : 8*x+8]
	var p [8]float32
	for j := range p {
		p[j] = v[j] * w[j]
	}
	return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
}

func (c *coeffs) hfilter8Generic(src []float32, xa int, out []float32) {
	for x := range out[:len(c.start)] {
		out[x] = c.dot8(src, xa, x)
	}
}

// hfilter1 filters one channel's row (starting at source index xa) into out. Two
// accumulators, so that consecutive taps do not wait for each other's additions.
func (c *coeffs) hfilter1(src []float32, xa int, out []float32) {
	hk := c.k
	out = out[:len(c.start)]
	for x := range out {
		n := c.count[x]
		st := c.start[x] - xa
		w := c.w[x*hk : x*hk+n]
		s := src[st : st+n]
		s = s[:len(w)]
		var a0, a1 float32
		k := 0
		for ; k+1 < len(w); k += 2 {
			a0 += w[k] * s[k]
			a1 += w[k+1] * s[k+1]
		}
		if k < len(w) {
			a0 += w[k] * s[k]
		}
		out[x] = a0 + a1
	}
}

// ycbcrScratch holds the three resampled planes.
type ycbcrScratch struct {
	luma, chroma planeScratch
	y, cb, cr    []float32
}

// resampleYCbCr is resample for a YCbCr image: each plane resampled on its own grid, then
// the output pixels converted with the JFIF formula (what libjpeg and image/jpeg use),
// unclamped and unrounded like every row emit receives. false for an image ycbcrPlanes
// refuses (nothing was emitted).
func resampleYCbCr(im *image.YCbCr, ax, ay axis, interp Interpolation, s *scratch, emit func(int, []float32)) bool {
	s.acc = grow(s.acc, 3*ax.out)
	return resamplePlanes(im, ax, ay, interp, s, func(y int, yy, cb, cr []float32) {
		ycbcrToRGBRow(s.acc, yy, cb, cr)
		emit(y, s.acc)
	})
}

// resamplePlanes resamples im's planes and hands emit each output row as planar Y, Cb, Cr
// floats, for a receiver that converts as it stores (sink.emitPlanes).
func resamplePlanes(im *image.YCbCr, ax, ay axis, interp Interpolation, s *scratch, emit func(y int, yy, cb, cr []float32)) bool {
	py, pcb, pcr, sx, sy, ok := ycbcrPlanes(im)
	if !ok {
		return false
	}
	if s.ycc == nil {
		s.ycc = new(ycbcrScratch)
	}
	ys := s.ycc
	n := ax.out * ay.out
	ys.y, ys.cb, ys.cr = grow(ys.y, n), grow(ys.cb, n), grow(ys.cr, n)
	l, c := &ys.luma, &ys.chroma
	l.hc.compute(ax, interp)
	l.vc.compute(ay, interp)
	lpacked := l.hc.pack8()
	resamplePlane(py, &l.hc, lpacked, &l.vc, ax.lo, ay.lo, l, ys.y)
	// Cb and Cr share their taps: the luma's where chroma is not subsampled.
	chc, cpacked, cvc := &l.hc, lpacked, &l.vc
	cx, cy := ax.lo, ay.lo
	if sx != 0 {
		cx, chc = c.hc.composeUpsample(&l.hc, ax.lo, sx, pcb.x0, pcb.x1), &c.hc
		cpacked = chc.pack8()
	}
	if sy != 0 {
		cy, cvc = c.vc.composeUpsample(&l.vc, ay.lo, sy, pcb.y0, pcb.y1), &c.vc
	}
	resamplePlane(pcb, chc, cpacked, cvc, cx, cy, c, ys.cb)
	resamplePlane(pcr, chc, cpacked, cvc, cx, cy, c, ys.cr)
	ow := ax.out
	for y := range ay.out {
		emit(y, ys.y[y*ow:(y+1)*ow], ys.cb[y*ow:(y+1)*ow], ys.cr[y*ow:(y+1)*ow])
	}
	return true
}

// The JFIF conversion (libjpeg's and image/jpeg's), full range. Its constants are float32,
// and every converter below multiplies and adds in the same order (never fused), so the
// scalar and SIMD converters give the same floats.
const (
	jfifRCr = 1.402
	jfifGCb = 0.344136
	jfifGCr = 0.714136
	jfifBCb = 1.772
)

// jfifRGB converts one pixel, unclamped.
func jfifRGB(l, cb, cr float32) (r, g, b float32) {
	cb, cr = cb-128, cr-128
	return l + jfifRCr*cr, l - jfifGCb*cb - jfifGCr*cr, l + jfifBCb*cb
}

// ycbcrToRGBRow converts planar Y, Cb, Cr floats to interleaved RGB.
func ycbcrToRGBRow(rgb, yy, cb, cr []float32) {
	n := len(yy)
	cb, cr, rgb = cb[:n], cr[:n], rgb[:3*n]
	for i, l := range yy {
		o := rgb[3*i : 3*i+3 : 3*i+3]
		o[0], o[1], o[2] = jfifRGB(l, cb[i], cr[i])
	}
}
