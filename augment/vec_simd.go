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

// scaleTo sets dst[i] = w·src[i].
func scaleTo(dst, src []float32, w float32) {
	if !haveAVX2FMA {
		scaleToGeneric(dst, src, w)
		return
	}
	src = src[:len(dst)]
	wv := archsimd.BroadcastFloat32x8(w)
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		archsimd.LoadFloat32x8(src[i:]).Mul(wv).Store(dst[i:])
	}
	scaleToGeneric(dst[i:], src[i:], w)
}

// axpy sets dst[i] += w·src[i].
func axpy(dst, src []float32, w float32) {
	if !haveAVX2FMA {
		axpyGeneric(dst, src, w)
		return
	}
	src = src[:len(dst)]
	wv := archsimd.BroadcastFloat32x8(w)
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		d := archsimd.LoadFloat32x8(dst[i:])
		archsimd.LoadFloat32x8(src[i:]).MulAdd(wv, d).Store(dst[i:])
	}
	axpyGeneric(dst[i:], src[i:], w)
}

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
	readRow4Generic(pix[4*i:], r[i:], g[i:], b[i:])
}
