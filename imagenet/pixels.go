package imagenet

import (
	"errors"
	"image"
	"math/rand/v2"
)

// 8-bit batches. With LoaderConfig.Pixels the loader fills Batch.Pixels (HWC RGB bytes,
// before normalisation) instead of Batch.Images: a quarter of the memory per prefetched
// batch and of the bytes sent to the device, which normalises them in its graph.

// PixelTransform is a Transform that can also write 8-bit pixels: ApplyBytes makes the
// same random draws as Apply and writes h*w*3 bytes (HWC, RGB, 0..255) into dst.
type PixelTransform interface {
	Transform
	ApplyBytes(img image.Image, rng *rand.Rand, dst []uint8) error
}

// ScaledPixelTransform is a CropPlanner's 8-bit counterpart of ApplyScaled.
type ScaledPixelTransform interface {
	ApplyScaledBytes(img image.Image, fullW, fullH int, scale float64, rng *rand.Rand, dst []uint8) error
}

// checkPixelTransform refuses a Pixels loader whose transform cannot write bytes, or would
// lose its reduced-size JPEG decoding (a CropPlanner without ApplyScaledBytes).
func checkPixelTransform(t Transform) error {
	if _, ok := t.(PixelTransform); !ok {
		return errors.New("imagenet: NewLoader: Pixels needs a Transform with ApplyBytes (a PixelTransform)")
	}
	if _, ok := t.(CropPlanner); ok {
		if _, ok := t.(ScaledPixelTransform); !ok {
			return errors.New("imagenet: NewLoader: Pixels with a CropPlanner Transform needs ApplyScaledBytes too")
		}
	}
	return nil
}

// The decode path (decodeApply) writes floats through a Transform; for a Pixels batch it is
// given one of these, which send ApplyBytes' output to a byte slot and ignore the float
// destination (nil). Each keeps exactly the optional interfaces of the transform it wraps,
// since the decoder picks its decode size by which of them a transform implements.
type (
	pixelSink struct {
		t   PixelTransform
		dst []uint8
	}
	pixelSinkHinted  struct{ pixelSink }
	pixelSinkPlanned struct{ pixelSink }
)

func (s pixelSink) Size() (h, w int) { return s.t.Size() }
func (s pixelSink) Apply(img image.Image, rng *rand.Rand, _ []float32) error {
	return s.t.ApplyBytes(img, rng, s.dst)
}

func (s pixelSinkHinted) MinDecodeSize() (w, h int) { return s.t.(DecodeHinter).MinDecodeSize() }

func (s pixelSinkPlanned) MinDecodeSizeFor(w, h int, rng *rand.Rand) (minW, minH int) {
	return s.t.(CropPlanner).MinDecodeSizeFor(w, h, rng)
}
func (s pixelSinkPlanned) ApplyScaled(img image.Image, fullW, fullH int, scale float64, rng *rand.Rand, _ []float32) error {
	return s.t.(ScaledPixelTransform).ApplyScaledBytes(img, fullW, fullH, scale, rng, s.dst)
}

// slotDst returns what decodeApply needs to fill position j of b: the transform and its
// float destination, or, for a Pixels batch, a sink writing the slot's bytes (and nil).
func (l *Loader) slotDst(b *Batch, j int) (Transform, []float32) {
	size := l.h * l.w * 3
	if !l.cfg.Pixels {
		return l.cfg.Transform, b.Images[j*size : (j+1)*size]
	}
	s := pixelSink{t: l.cfg.Transform.(PixelTransform), dst: b.Pixels[j*size : (j+1)*size]}
	switch l.cfg.Transform.(type) {
	case CropPlanner:
		return pixelSinkPlanned{s}, nil
	case DecodeHinter:
		return pixelSinkHinted{s}, nil
	}
	return s, nil
}

// clearSlot zeroes position j of b (a failed transform may have written part of it).
func (l *Loader) clearSlot(b *Batch, j int) {
	size := l.h * l.w * 3
	if l.cfg.Pixels {
		clear(b.Pixels[j*size : (j+1)*size])
	} else {
		clear(b.Images[j*size : (j+1)*size])
	}
}
