//go:build !(goexperiment.simd && amd64)

package augment

func scaleTo(dst, src []float32, w float32) { scaleToGeneric(dst, src, w) }

func axpy(dst, src []float32, w float32) { axpyGeneric(dst, src, w) }

func clampAffine(dst, src, scale, bias []float32) { clampAffineGeneric(dst, src, scale, bias) }

func clamp255(row []float32) { clamp255Generic(row) }

func roundRow(row []float32) { roundRowGeneric(row) }

func readRow4(pix []uint8, r, g, b []float32) { readRow4Generic(pix, r, g, b) }
