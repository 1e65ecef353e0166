package augment

import (
	"testing"
)

func BenchmarkZZVfilter(b *testing.B) {
	rows := make([]float32, 300*224)
	for i := range rows {
		rows[i] = float32(i % 251)
	}
	dst := make([]float32, 224)
	w := []float32{0.1, 0.2, 0.4, 0.2, 0.1}
	for b.Loop() {
		for y := range 672 {
			vfilter(dst, rows[(y%290)*224:], 224, w)
		}
	}
}

func BenchmarkZZHfilter8(b *testing.B) {
	src := make([]float32, 300+8)
	for i := range src {
		src[i] = float32(i % 251)
	}
	var c coeffs
	c.compute(axis{inSize: 270, scale: 270.0 / 224, out: 224}, Bicubic)
	c.pack8()
	out := make([]float32, 224)
	for b.Loop() {
		for range 540 {
			c.hfilter8(src, 0, out)
		}
	}
}
