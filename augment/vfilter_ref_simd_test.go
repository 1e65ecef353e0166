//go:build goexperiment.simd && amd64

package augment

import "simd/archsimd"

// The vertical pass as the RGB path ran it before vfilter, one tap at a time over the
// row with 8-lane multiplies and fused multiply-adds: the reference vfilter must equal bit
// for bit (TestVfilterMatchesScaleToAxpy), since the c82f604 hashes were made with it.

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
