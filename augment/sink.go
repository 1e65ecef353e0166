package augment

import (
	"image"
	"math/rand/v2"
)

// sink is where a pipeline writes one image: normalised floats (floatSink, the float
// path) or 8-bit pixels (byteSink, batches normalised on the device). pipeline.run makes
// the same draws whichever it writes to.
type sink interface {
	// emit receives the fused resample's rows (0..255 scale, unclamped) when no 8-bit op
	// runs, mirrored when flip.
	emit(n int, flip bool) func(y int, row []float32)
	// emitPlanes is emit for a YCbCr resample's planar rows (Y, Cb, Cr, each n floats),
	// which the sink converts to RGB as it stores: one pass instead of converting to RGB
	// rows first. s is the call's pooled scratch, for any row buffer it needs.
	emitPlanes(n int, flip bool, s *scratch) func(y int, yy, cb, cr []float32)
	// fromNRGBA stores the 8-bit image the ops worked on.
	fromNRGBA(img *image.NRGBA)
	// erase is random erasing with probability p on the n×n image stored.
	erase(n int, p float64, rng *rand.Rand)
}

type floatSink struct {
	dst  []float32
	norm *normalizer
}

func (p *pipeline) floats(dst []float32) floatSink { return floatSink{dst, &p.norm} }

func (s floatSink) emit(n int, flip bool) func(int, []float32) {
	return s.norm.emitFloat(s.dst, n, flip)
}
func (s floatSink) emitPlanes(n int, flip bool, _ *scratch) func(int, []float32, []float32, []float32) {
	return s.norm.emitPlanesFloat(s.dst, n, flip)
}
func (s floatSink) fromNRGBA(img *image.NRGBA) { s.norm.normalizeNRGBA(img, s.dst) }
func (s floatSink) erase(n int, p float64, rng *rand.Rand) {
	RandomErase(s.dst, n, n, 3, p, rng)
}

type byteSink struct {
	dst       []uint8
	mean, std [3]float32
}

func (p *pipeline) bytes(dst []uint8) byteSink { return byteSink{dst, p.mean, p.std} }

func (s byteSink) emit(n int, flip bool) func(int, []float32) { return emitBytes(s.dst, n, flip) }
func (s byteSink) emitPlanes(n int, flip bool, sc *scratch) func(int, []float32, []float32, []float32) {
	sc.words = grow(sc.words, n)
	return emitPlanesBytes(s.dst, n, flip, sc.words)
}
func (s byteSink) fromNRGBA(img *image.NRGBA) { nrgbaToRGB(img, s.dst) }
func (s byteSink) erase(n int, p float64, rng *rand.Rand) {
	RandomErasePixels(s.dst, n, n, p, s.mean, s.std, rng)
}
