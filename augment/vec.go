package augment

func scaleToGeneric(dst, src []float32, w float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] = w * src[i]
	}
}

func axpyGeneric(dst, src []float32, w float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += w * src[i]
	}
}

// clampAffineGeneric sets dst[i] = clamp(src[i], 0, 255)·scale[i] + bias[i], rounding
// after the product and after the sum (no fused multiply-add), as the SIMD version does.
func clampAffineGeneric(dst, src, scale, bias []float32) {
	src, scale, bias = src[:len(dst)], scale[:len(dst)], bias[:len(dst)]
	for i := range dst {
		v := min(max(src[i], 0), 255)
		dst[i] = v*scale[i] + bias[i]
	}
}
