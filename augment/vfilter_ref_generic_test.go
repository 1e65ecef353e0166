//go:build !(goexperiment.simd && amd64)

package augment

// The per-tap vertical pass TestVfilterMatchesScaleToAxpy compares vfilter with (see
// vfilter_ref_simd_test.go): without the SIMD kernels, the generic loops.

func scaleTo(dst, src []float32, w float32) { scaleToGeneric(dst, src, w) }

func axpy(dst, src []float32, w float32) { axpyGeneric(dst, src, w) }
