//go:build !(cgo && linux)

package decode

import (
	"errors"
	"image"
)

// Without cgo (CGO_ENABLED=0) or off Linux, libjpeg-turbo is never loaded: every JPEG
// goes through image/jpeg. See jpeg_turbo.go.

func loadTurbo() error {
	return errors.New("built without cgo (CGO_ENABLED=0) or not on Linux: libjpeg-turbo is not loaded")
}

func turboHeader([]byte) (w, h int, l turboLayout, err error) {
	return 0, 0, turboLayout{}, errors.New("libjpeg-turbo not loaded")
}

func turboDecodeYCbCr([]byte, int, int, turboLayout) (*image.YCbCr, error) {
	return nil, errors.New("libjpeg-turbo not loaded")
}

func turboDecode([]byte, int, int, bool) (*image.RGBA, error) {
	return nil, errors.New("libjpeg-turbo not loaded")
}
