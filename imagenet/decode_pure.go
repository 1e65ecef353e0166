package imagenet

import (
	"bytes"
	"image"

	"github.com/tfvision/tfvision/imagenet/internal/fastjpeg"
)

// decodeJPEGHintGo decodes a JPEG at the smallest n/8 scale that is at least
// minW × minH, converted to *image.RGBA like decodeBytes.
func decodeJPEGHintGo(data []byte, minW, minH int) (image.Image, error) {
	img, _, err := fastjpeg.DecodeMin(bytes.NewReader(data), minW, minH)
	if err != nil {
		return nil, err
	}
	return toRGBA(img), nil
}
