//go:build !(goexperiment.simd && amd64)

package augment

func clampAffine(dst, src, scale, bias []float32) { clampAffineGeneric(dst, src, scale, bias) }

func clamp255(row []float32) { clamp255Generic(row) }

func roundRow(row []float32) { roundRowGeneric(row) }

func readRow4(pix []uint8, r, g, b []float32) { readRow4Generic(pix, r, g, b) }

func (c *coeffs) hfilter8(src []float32, xa int, out []float32) { c.hfilter8Generic(src, xa, out) }

func vfilter(dst, rows []float32, stride int, w []float32) { vfilterGeneric(dst, rows, stride, w) }

func bytesToFloats(dst []float32, src []uint8) { bytesToFloatsGeneric(dst, src) }

func ycbcrToBytes(out []uint8, yy, cb, cr []float32, flip bool, _ []uint32) {
	ycbcrToBytesGeneric(out, yy, cb, cr, flip)
}

func ycbcrToFloats(out, yy, cb, cr []float32, flip bool, scale, bias *[3]float32) {
	ycbcrToFloatsGeneric(out, yy, cb, cr, flip, scale, bias)
}

// haveAVX2FMA is false without the SIMD kernels; tests whose expected values pin the AVX2
// path's rounding (fused multiply-adds) check it.
const haveAVX2FMA = false
