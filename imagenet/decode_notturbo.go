//go:build !turbojpeg

package imagenet

import "image"

// decodeJPEGHint is the pure-Go decoder in the default build.
func decodeJPEGHint(data []byte, minW, minH int) (image.Image, error) {
	return decodeJPEGHintGo(data, minW, minH)
}

// decoderName says which JPEG decoder DecodeFileHint uses in this build.
const decoderName = "pure-go"
