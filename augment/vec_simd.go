//go:build goexperiment.simd && amd64

package augment

import (
	"simd/archsimd"
	"unsafe"
)

// The vertical resampling pass is a run of contiguous multiply-adds over
// whole rows; the Go compiler does not vectorise loops, so with
// GOEXPERIMENT=simd (which the project builds with) we use 8-wide AVX2 FMA.
var haveAVX2FMA = archsimd.X86.AVX2() && archsimd.X86.FMA()

// clearUpper: every function here ends its 256-bit code with archsimd.ClearAVXUpperBits
// (VZEROUPPER) before scalar code runs, its own tail or the caller's. Go's scalar float
// instructions are SSE-encoded, and on this EPYC each one that follows AVX code with
// dirty upper register halves pays for it: a scalar interleave after 8-wide code ran
// 2.2× slower without the clear (ycbcrToFloats), a 4-lane variant of hfilter 10×.

// clampAffine sets dst[i] = clamp(src[i], 0, 255)·scale[i] + bias[i] (dst may be src).
// Mul and Add stay separate so results equal clampAffineGeneric's bit for bit.
func clampAffine(dst, src, scale, bias []float32) {
	if !haveAVX2FMA {
		clampAffineGeneric(dst, src, scale, bias)
		return
	}
	src, scale, bias = src[:len(dst)], scale[:len(dst)], bias[:len(dst)]
	lo, hi := archsimd.BroadcastFloat32x8(0), archsimd.BroadcastFloat32x8(255)
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		v := archsimd.LoadFloat32x8(src[i:]).Max(lo).Min(hi)
		v.Mul(archsimd.LoadFloat32x8(scale[i:])).Add(archsimd.LoadFloat32x8(bias[i:])).Store(dst[i:])
	}
	archsimd.ClearAVXUpperBits() // see clearUpper
	clampAffineGeneric(dst[i:], src[i:], scale[i:], bias[i:])
}

// clamp255 clips a row to [0, 255] (see clamp255Generic), 8 lanes at a time.
func clamp255(row []float32) {
	if !haveAVX2FMA {
		clamp255Generic(row)
		return
	}
	lo, hi := archsimd.BroadcastFloat32x8(0), archsimd.BroadcastFloat32x8(255)
	i := 0
	for ; i+8 <= len(row); i += 8 {
		archsimd.LoadFloat32x8(row[i:]).Max(lo).Min(hi).Store(row[i:])
	}
	archsimd.ClearAVXUpperBits() // see clearUpper
	clamp255Generic(row[i:])
}

// roundRow is roundRowGeneric 8 lanes at a time: the same add, clip and truncation, so
// the bytes emitBytes then stores are clampRound's (TestRoundRowMatchesClampRound).
func roundRow(row []float32) {
	if !haveAVX2FMA {
		roundRowGeneric(row)
		return
	}
	half := archsimd.BroadcastFloat32x8(0.5)
	lo, hi := archsimd.BroadcastFloat32x8(0), archsimd.BroadcastFloat32x8(255)
	i := 0
	for ; i+8 <= len(row); i += 8 {
		archsimd.LoadFloat32x8(row[i:]).Add(half).Max(lo).Min(hi).Trunc().Store(row[i:])
	}
	archsimd.ClearAVXUpperBits() // see clearUpper
	roundRowGeneric(row[i:])
}

// readRow4 converts RGBA/NRGBA bytes (alpha ignored) to planar floats, 8 pixels at a
// time: each pixel is one little-endian uint32 lane, so a channel is a shift and a mask,
// then an exact int→float conversion (values equal readRow4Generic's). Pixel rows start at
// a multiple of 4 bytes (image.RGBA and NRGBA strides and offsets are), so viewing them as
// uint32s is aligned.
func readRow4(pix []uint8, r, g, b []float32) {
	n := len(r)
	if !haveAVX2FMA || n < 8 || uintptr(unsafe.Pointer(unsafe.SliceData(pix)))%4 != 0 {
		readRow4Generic(pix, r, g, b)
		return
	}
	pix = pix[:4*n]
	g, b = g[:n], b[:n]
	words := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(pix))), n)
	mask := archsimd.BroadcastUint32x8(0xff)
	i := 0
	for ; i+8 <= n; i += 8 {
		v := archsimd.LoadUint32x8(words[i:])
		v.And(mask).AsInt32x8().ConvertToFloat32().Store(r[i:])
		v.ShiftAllRight(8).And(mask).AsInt32x8().ConvertToFloat32().Store(g[i:])
		v.ShiftAllRight(16).And(mask).AsInt32x8().ConvertToFloat32().Store(b[i:])
	}
	archsimd.ClearAVXUpperBits() // see clearUpper
	readRow4Generic(pix[4*i:], r[i:], g[i:], b[i:])
}

// hfilter8 is hfilter1 for coefficients packed 8 to an output (pack8): each output is one
// 8-lane product of its weights and the 8 source values from its start, and 8 outputs'
// products are summed across lanes together by a tree of pairwise adds (VHADDPS), so an
// output costs two loads and a multiply instead of a dependent chain of scalar taps. src
// must extend 8 values past the last start (zeros: their weights are 0).
func (c *coeffs) hfilter8(src []float32, xa int, out []float32) {
	if !haveAVX2FMA {
		c.hfilter8Generic(src, xa, out)
		return
	}
	n := len(c.start)
	out = out[:n]
	w8 := c.w8[:8*n]
	x := 0
	for ; x+8 <= n; x += 8 {
		st := c.start[x : x+8 : x+8]
		w := w8[8*x : 8*x+64 : 8*x+64]
		// Eight named vectors, not an array: an array of vectors is kept in memory.
		p0 := archsimd.LoadFloat32x8(src[st[0]-xa : st[0]-xa+8]).Mul(archsimd.LoadFloat32x8(w[0:8]))
		p1 := archsimd.LoadFloat32x8(src[st[1]-xa : st[1]-xa+8]).Mul(archsimd.LoadFloat32x8(w[8:16]))
		p2 := archsimd.LoadFloat32x8(src[st[2]-xa : st[2]-xa+8]).Mul(archsimd.LoadFloat32x8(w[16:24]))
		p3 := archsimd.LoadFloat32x8(src[st[3]-xa : st[3]-xa+8]).Mul(archsimd.LoadFloat32x8(w[24:32]))
		p4 := archsimd.LoadFloat32x8(src[st[4]-xa : st[4]-xa+8]).Mul(archsimd.LoadFloat32x8(w[32:40]))
		p5 := archsimd.LoadFloat32x8(src[st[5]-xa : st[5]-xa+8]).Mul(archsimd.LoadFloat32x8(w[40:48]))
		p6 := archsimd.LoadFloat32x8(src[st[6]-xa : st[6]-xa+8]).Mul(archsimd.LoadFloat32x8(w[48:56]))
		p7 := archsimd.LoadFloat32x8(src[st[7]-xa : st[7]-xa+8]).Mul(archsimd.LoadFloat32x8(w[56:64]))
		h01 := p0.ConcatAddPairsGrouped(p1)
		h23 := p2.ConcatAddPairsGrouped(p3)
		h45 := p4.ConcatAddPairsGrouped(p5)
		h67 := p6.ConcatAddPairsGrouped(p7)
		q0 := h01.ConcatAddPairsGrouped(h23) // lanes: outputs 0–3 from taps 0–3 | from taps 4–7
		q1 := h45.ConcatAddPairsGrouped(h67) // outputs 4–7 likewise
		lo := q0.ConcatPermute128Scalars(0, 2, q1)
		hi := q0.ConcatPermute128Scalars(1, 3, q1)
		lo.Add(hi).Store(out[x : x+8])
	}
	archsimd.ClearAVXUpperBits() // see clearUpper
	for ; x < n; x++ {
		out[x] = c.dot8(src, xa, x)
	}
}

// vfilter sets dst[i] = Σₖ w[k]·rows[k·stride+i], the vertical pass for one output row:
// a multiply for the first tap, then a fused multiply-add per tap, in tap order (the
// per-tap form the RGB path used before, kept as the test's reference in
// vfilter_ref_simd_test.go, gives the same floats), with the sums kept in registers
// across taps, which halves the memory traffic and pays one call per output row instead
// of one per tap.
func vfilter(dst, rows []float32, stride int, w []float32) {
	n := len(dst)
	if !haveAVX2FMA {
		vfilterGeneric(dst, rows, stride, w)
		return
	}
	_ = rows[(len(w)-1)*stride+n-1]
	w0 := archsimd.BroadcastFloat32x8(w[0])
	i := 0
	// Four vectors per step: each sum is a chain of dependent multiply-adds (~5 cycles
	// each), and the four chains overlap (one at a time ran at ~5 cycles a tap).
	for ; i+32 <= n; i += 32 {
		r := rows[i : i+32]
		a := archsimd.LoadFloat32x8(r[0:8]).Mul(w0)
		b := archsimd.LoadFloat32x8(r[8:16]).Mul(w0)
		c := archsimd.LoadFloat32x8(r[16:24]).Mul(w0)
		d := archsimd.LoadFloat32x8(r[24:32]).Mul(w0)
		for k := 1; k < len(w); k++ {
			o := k*stride + i
			r := rows[o : o+32]
			wk := archsimd.BroadcastFloat32x8(w[k]) // from memory: no array of vectors to zero and fill per call
			a = archsimd.LoadFloat32x8(r[0:8]).MulAdd(wk, a)
			b = archsimd.LoadFloat32x8(r[8:16]).MulAdd(wk, b)
			c = archsimd.LoadFloat32x8(r[16:24]).MulAdd(wk, c)
			d = archsimd.LoadFloat32x8(r[24:32]).MulAdd(wk, d)
		}
		o := dst[i : i+32]
		a.Store(o[0:8])
		b.Store(o[8:16])
		c.Store(o[16:24])
		d.Store(o[24:32])
	}
	for ; i+8 <= n; i += 8 {
		acc := archsimd.LoadFloat32x8(rows[i : i+8]).Mul(w0)
		for k := 1; k < len(w); k++ {
			o := k*stride + i
			acc = archsimd.LoadFloat32x8(rows[o:o+8]).MulAdd(archsimd.BroadcastFloat32x8(w[k]), acc)
		}
		acc.Store(dst[i : i+8])
	}
	archsimd.ClearAVXUpperBits() // see clearUpper
	if i < n {
		vfilterGeneric(dst[i:], rows[i:], stride, w)
	}
}

// bytesToFloats converts the first len(dst) bytes of src to floats, 8 at a time (exact,
// as the scalar loop). Each step loads 16 bytes, so src may be longer than dst (the rest
// of a plane) to let the last steps run vectorised too.
func bytesToFloats(dst []float32, src []uint8) {
	n := len(dst)
	i := 0
	if haveAVX2FMA {
		for ; i+8 <= n && i+16 <= len(src); i += 8 {
			archsimd.LoadUint8x16(src[i : i+16]).ExtendLo8ToUint32().AsInt32x8().ConvertToFloat32().Store(dst[i : i+8])
		}
		archsimd.ClearAVXUpperBits() // see clearUpper
	}
	bytesToFloatsGeneric(dst[i:], src[i:n])
}

// jfif8 is jfifRGB for 8 pixels: the same products and sums in the same order (Mul then
// Add/Sub, never MulAdd), so the same floats; lo, hi are the clamp bounds.
type jfif8 struct{ k128, rcr, gcb, gcr, bcb, lo, hi archsimd.Float32x8 }

func newJFIF8() jfif8 {
	b := archsimd.BroadcastFloat32x8
	return jfif8{b(128), b(jfifRCr), b(jfifGCb), b(jfifGCr), b(jfifBCb), b(0), b(255)}
}

// The converters' constant vectors, built once: building them per row (broadcasts,
// lane-index masks) cost ~250 ns a call, 10% of a shard-training profile. Only on CPUs
// that run the vector code.
var (
	jfifConst                    jfif8
	interleaveFwd, interleaveRev interleave3
)

func init() {
	if haveAVX2FMA {
		jfifConst = newJFIF8()
		interleaveFwd, interleaveRev = newInterleave3(false), newInterleave3(true)
		archsimd.ClearAVXUpperBits()
	}
}

func (j *jfif8) rgb(yy, cb, cr []float32) (r, g, b archsimd.Float32x8) {
	l := archsimd.LoadFloat32x8(yy)
	u := archsimd.LoadFloat32x8(cb).Sub(j.k128)
	v := archsimd.LoadFloat32x8(cr).Sub(j.k128)
	return l.Add(j.rcr.Mul(v)), l.Sub(j.gcb.Mul(u)).Sub(j.gcr.Mul(v)), l.Add(j.bcb.Mul(u))
}

// ycbcrToBytes is ycbcrToBytesGeneric 8 pixels at a time: the same multiplies and adds (no
// fused multiply-add, so the same floats) and clampRound's rounding, each pixel's R, G, B
// packed into the low 3 bytes of a 32-bit word, the row's words stored in words (len w).
// A second pass (reading lanes back right after their 256-bit store stalled each load
// on this CPU) takes 8 words at a time, reversed when flip, drops every fourth byte with
// a shuffle (VPSHUFB: 12 bytes per 128-bit half) and writes each half with a 16-byte
// store, in increasing position so that the 4 spare bytes are overwritten by the next
// store. The last pixels, where a store would run past the row, are written one by one.
func ycbcrToBytes(out []uint8, yy, cb, cr []float32, flip bool, words []uint32) {
	w := len(yy)
	if !haveAVX2FMA || w < 8 {
		ycbcrToBytesGeneric(out, yy, cb, cr, flip)
		return
	}
	cb, cr, out, words = cb[:w], cr[:w], out[:3*w], words[:w]
	j := &jfifConst
	half := archsimd.BroadcastFloat32x8(0.5)
	round := func(v archsimd.Float32x8) archsimd.Uint32x8 {
		return v.Add(half).Max(j.lo).Min(j.hi).Trunc().ConvertToInt32().AsUint32x8()
	}
	for x := 0; x < w; x += 8 {
		x := min(x, w-8) // the last group may overlap the one before: same words again
		rf, gf, bf := j.rgb(yy[x:x+8], cb[x:x+8], cr[x:x+8])
		round(rf).Or(round(gf).ShiftAllLeft(8)).Or(round(bf).ShiftAllLeft(16)).Store(words[x : x+8])
	}
	pack := archsimd.LoadInt8x32(rgbFromWords[:])
	reverse := archsimd.LoadUint32x8Array(&reverse8)
	p := 0
	for ; p+10 <= w; p += 8 { // a group's second store ends 28 bytes after its start
		var v archsimd.Uint32x8
		if flip {
			v = archsimd.LoadUint32x8(words[w-8-p : w-p]).Permute(reverse)
		} else {
			v = archsimd.LoadUint32x8(words[p : p+8])
		}
		bytes := v.AsUint8x32().PermuteOrZeroGrouped(pack)
		o := out[3*p : 3*p+28]
		bytes.GetLo().Store(o[0:16])
		bytes.GetHi().Store(o[12:28])
	}
	archsimd.ClearAVXUpperBits() // see clearUpper
	for ; p < w; p++ {
		v := words[p]
		if flip {
			v = words[w-1-p]
		}
		out[3*p], out[3*p+1], out[3*p+2] = byte(v), byte(v>>8), byte(v>>16)
	}
}

// rgbFromWords picks R, G, B of each 32-bit word in a 128-bit half (VPSHUFB indices; -1
// gives 0), reverse8 reverses 8 lanes.
var (
	rgbFromWords = [32]int8{0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
		0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1}
	reverse8 = [8]uint32{7, 6, 5, 4, 3, 2, 1, 0}
)

// ycbcrToFloats is ycbcrToFloatsGeneric 8 pixels at a time (the same operations in the
// same order, no fused multiply-add). The normalised R, G, B vectors of 8 pixels are
// interleaved in registers into 3 vectors of 24 consecutive floats (interleave3) and stored
// whole: the batch buffer is cold memory, and 24 scalar stores per 8 pixels were the float
// path's largest cost (12% of a shard-training profile).
func ycbcrToFloats(out, yy, cb, cr []float32, flip bool, scale, bias *[3]float32) {
	w := len(yy)
	if !haveAVX2FMA || w < 8 {
		ycbcrToFloatsGeneric(out, yy, cb, cr, flip, scale, bias)
		return
	}
	cb, cr, out = cb[:w], cr[:w], out[:3*w]
	j := &jfifConst
	il := &interleaveFwd
	if flip {
		il = &interleaveRev
	}
	s0, s1, s2 := archsimd.BroadcastFloat32x8(scale[0]), archsimd.BroadcastFloat32x8(scale[1]), archsimd.BroadcastFloat32x8(scale[2])
	b0, b1, b2 := archsimd.BroadcastFloat32x8(bias[0]), archsimd.BroadcastFloat32x8(bias[1]), archsimd.BroadcastFloat32x8(bias[2])
	for x := 0; x < w; x += 8 {
		x := min(x, w-8) // the last group may overlap the one before: same values again
		r, g, b := j.rgb(yy[x:x+8], cb[x:x+8], cr[x:x+8])
		r = r.Max(j.lo).Min(j.hi).Mul(s0).Add(b0)
		g = g.Max(j.lo).Min(j.hi).Mul(s1).Add(b1)
		b = b.Max(j.lo).Min(j.hi).Mul(s2).Add(b2)
		p := x
		if flip {
			p = w - 8 - x
		}
		il.store(out[3*p:3*p+24], r, g, b)
	}
	archsimd.ClearAVXUpperBits() // see clearUpper
}

// interleave3 turns the planar R, G, B of 8 pixels into their 24 interleaved values, in
// pixel order or reversed (flip): output vector k takes lane i from the channel ck[i] of
// pixel pk[i], a permute of each channel and two blends.
type interleave3 struct {
	pix      [3]archsimd.Uint32x8
	isR, isG [3]archsimd.Mask32x8
}

var (
	interleavePix = [3][8]uint32{{0, 0, 0, 1, 1, 1, 2, 2}, {2, 3, 3, 3, 4, 4, 4, 5}, {5, 5, 6, 6, 6, 7, 7, 7}}
	interleaveCh  = [3][8]uint32{{0, 1, 2, 0, 1, 2, 0, 1}, {2, 0, 1, 2, 0, 1, 2, 0}, {1, 2, 0, 1, 2, 0, 1, 2}}
)

func newInterleave3(reverse bool) interleave3 {
	var il interleave3
	zero, one := archsimd.BroadcastUint32x8(0), archsimd.BroadcastUint32x8(1)
	for k := range 3 {
		p := interleavePix[k]
		if reverse {
			for i := range p {
				p[i] = 7 - p[i]
			}
		}
		il.pix[k] = archsimd.LoadUint32x8Array(&p)
		c := archsimd.LoadUint32x8Array(&interleaveCh[k])
		il.isR[k], il.isG[k] = c.Equal(zero), c.Equal(one)
	}
	return il
}

func (il *interleave3) store(out []float32, r, g, b archsimd.Float32x8) {
	out = out[:24]
	for k := range 3 {
		p := il.pix[k]
		v := r.Permute(p).IfElse(il.isR[k], g.Permute(p).IfElse(il.isG[k], b.Permute(p)))
		v.Store(out[8*k : 8*k+8])
	}
}
