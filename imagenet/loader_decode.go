package imagenet

import (
	"fmt"
	"image"
	"math/rand/v2"
	"os"

	"github.com/tfvision/tfvision/imagenet/decode"
)

// DecodeHinter is implemented by transforms that only need the decoded image to be at
// least w × h (e.g. an eval transform resizing the short side to 256): with
// libjpeg-turbo the loader then decodes JPEGs at a reduced scale when that still gives
// w × h, which for large photos skips most of the decoding work.
type DecodeHinter interface {
	MinDecodeSize() (w, h int)
}

// CropPlanner is implemented by transforms whose first random draw is a crop box on the
// full image (RandomResizedCrop, augment.Train): with libjpeg-turbo the loader then
// decodes each JPEG at the smallest scale that still covers that sample's crop at the
// output size. Both methods must draw the crop from rng exactly as Apply does, so that a
// sample's augmentation is the same whichever size it was decoded at.
type CropPlanner interface {
	// MinDecodeSizeFor is the smallest decoded size (minW × minH) whose resampled crop
	// is still at least the output size, for a w × h image and the crop drawn from rng
	// (a fresh copy of the sample's stream).
	MinDecodeSizeFor(w, h int, rng *rand.Rand) (minW, minH int)
	// ApplyScaled is Apply for img decoded at reduced size from a fullW × fullH image,
	// scale img pixels per full-size pixel (n/8; the last row and column of img may
	// cover less): the crop is drawn on the full size, as Apply draws it, and mapped
	// onto img.
	ApplyScaled(img image.Image, fullW, fullH int, scale float64, rng *rand.Rand, dst []float32) error
}

// DecodeFor decodes path for transform t, with t's size hint when it gives one, and
// refuses images over maxPixels (<= 0: decode.DefaultMaxPixels).
func DecodeFor(path string, t Transform, maxPixels int64) (image.Image, error) {
	// Transforms take any image.Image; augment's resample a JPEG's YCbCr planes directly.
	o := decode.Options{MaxPixels: maxPixels, YCbCr: true}
	if h, ok := t.(DecodeHinter); ok {
		o.MinW, o.MinH = h.MinDecodeSize()
	}
	return decode.File(path, o)
}

// decodeApply decodes path and applies t with the stream newRNG returns (called afresh
// for every use, so each use sees the same draws). A CropPlanner gets its reduced decode
// and ApplyScaled; any other transform DecodeFor's image and Apply.
func decodeApply(path string, t Transform, maxPixels int64, newRNG func() *rand.Rand, dst []float32) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("imagenet: read %s: %w", path, err)
	}
	return decodeApplyBytes(path, data, t, maxPixels, newRNG, dst)
}

// decodeApplyBytes is decodeApply for a file already in memory (a shard member); name
// is what errors call it.
func decodeApplyBytes(name string, data []byte, t Transform, maxPixels int64, newRNG func() *rand.Rand, dst []float32) error {
	img, scaledFrom, scale, err := decodeFor(data, t, maxPixels, newRNG)
	if err != nil {
		return fmt.Errorf("imagenet: decode %s: %w", name, err)
	}
	if scale == 0 {
		err = t.Apply(img, newRNG(), dst)
	} else {
		err = t.(CropPlanner).ApplyScaled(img, scaledFrom.X, scaledFrom.Y, scale, newRNG(), dst)
	}
	decode.Recycle(img) // the transform wrote dst; nothing else holds img
	if err != nil {
		return fmt.Errorf("imagenet: transform %s: %w", name, err)
	}
	return nil
}

// decodeFor decodes data for t. When img is a reduced decode for a CropPlanner,
// scaledFrom is the full size and scale the decode's n/8; else scale is 0.
func decodeFor(data []byte, t Transform, maxPixels int64, newRNG func() *rand.Rand) (img image.Image, scaledFrom image.Point, scale float64, err error) {
	// Transforms take any image.Image; augment's resample a JPEG's YCbCr planes directly.
	o := decode.Options{MaxPixels: maxPixels, YCbCr: true}
	cp, ok := t.(CropPlanner)
	if !ok {
		if h, ok := t.(DecodeHinter); ok {
			o.MinW, o.MinH = h.MinDecodeSize()
		}
		img, err := decode.Bytes(data, o)
		return img, image.Point{}, 0, err
	}
	o.SizeFor = func(w, h int) (int, int) { return cp.MinDecodeSizeFor(w, h, newRNG()) }
	img, full, eighths, err := decode.Scaled(data, o)
	if err != nil || eighths == 8 || img.Bounds().Size() == full {
		return img, image.Point{}, 0, err
	}
	return img, full, float64(eighths) / 8, nil
}
