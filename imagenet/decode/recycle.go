package decode

import (
	"image"
	"sync"
)

// Decoded pixels are the loader's largest short-lived allocation (a 500×375 photo is
// 750 KB as RGBA, a full-size one tens of MB), one per image per epoch. Fresh memory is
// zeroed by the runtime only for libjpeg-turbo to overwrite every byte, and the garbage
// collector then has to reclaim it. Recycle lets a caller that is done with an image hand
// its memory to the next decode instead.
var pixPool sync.Pool // of *[]byte

// pixels returns a byte slice of length n, reused when a recycled one is large enough.
// Its contents are arbitrary: only decoders that write every byte may use it.
func pixels(n int) []byte {
	if p, ok := pixPool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

// Recycle hands img's pixel memory to later decodes. The caller must not use img (or
// anything sharing its pixels) afterwards. Only this package's own allocations are taken
// (*image.RGBA, and the *image.YCbCr planes of libjpeg-turbo); others are ignored.
func Recycle(img image.Image) {
	switch r := img.(type) {
	case *image.RGBA:
		if cap(r.Pix) > 0 {
			b := r.Pix[:0]
			pixPool.Put(&b)
		}
	case *image.YCbCr:
		if b := ycbcrBuffer(r); b != nil {
			pixPool.Put(&b)
		}
	}
}

// newRGBA is image.NewRGBA on recycled memory, for decoders that write every pixel.
func newRGBA(w, h int) *image.RGBA {
	return &image.RGBA{Pix: pixels(4 * w * h), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}
