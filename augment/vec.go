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

// clamp255Generic clips an intermediate row to [0, 255]: Pillow stores the first pass in
// 8 bits, so bicubic overshoot is clipped before the second pass.
func clamp255Generic(row []float32) {
	for i, v := range row {
		row[i] = min(max(v, 0), 255)
	}
}

// roundRowGeneric sets row[i] to the integer clampRound(row[i]) stores: v+0.5 clipped to
// [0, 255] and truncated, as PIL rounds its 8-bit output.
func roundRowGeneric(row []float32) {
	for i, v := range row {
		row[i] = float32(clampRound(v))
	}
}

// vfilterGeneric is vfilter one tap at a time over the row (vfilter's SIMD version calls
// it for the last columns, fewer than 8).
func vfilterGeneric(dst, rows []float32, stride int, w []float32) {
	n := len(dst)
	scaleToGeneric(dst, rows[:n], w[0])
	for k := 1; k < len(w); k++ {
		axpyGeneric(dst, rows[k*stride:k*stride+n], w[k])
	}
}

func bytesToFloatsGeneric(dst []float32, src []uint8) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(v)
	}
}
