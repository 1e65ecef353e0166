package imagenet

import (
	"errors"
	"fmt"
	"image"
	"io"
	"os"
)

// DecodeFileHint is DecodeFile with a size hint: a JPEG may be decoded at a
// reduced scale n/8 (n = 1, 2 or 4: 1/8, 1/4, 1/2, as PIL's draft()), chosen
// as the smallest whose output is still at least minW × minH pixels. The
// reduction happens in the DCT domain (an n×n IDCT per 8×8 block), so it
// costs less than a full decode, and the result is close to a box-filtered
// downscale of the full image. With minW, minH <= 0, or for PNG/GIF, or when
// no reduction keeps minW × minH, the result is exactly DecodeFile's.
//
// The output size is ceil(w·n/8) × ceil(h·n/8); callers that map crop
// coordinates chosen on the full image must scale them by the ratio of the
// returned bounds to the full size (see JPEGSize).
//
// The default build decodes with a pure-Go decoder (a copy of image/jpeg
// with scaled IDCTs, internal/fastjpeg); building with -tags turbojpeg uses
// libjpeg-turbo through cgo instead (decode_turbo.go).
func DecodeFileHint(path string, minW, minH int) (image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("imagenet: read %s: %w", path, err)
	}
	img, err := decodeBytesHint(data, minW, minH)
	if err != nil {
		return nil, fmt.Errorf("imagenet: decode %s: %w", path, err)
	}
	return img, nil
}

// DecodeBytesHint is DecodeFileHint for an in-memory file.
func DecodeBytesHint(data []byte, minW, minH int) (image.Image, error) {
	return decodeBytesHint(data, minW, minH)
}

func decodeBytesHint(data []byte, minW, minH int) (image.Image, error) {
	if (minW <= 0 && minH <= 0) || format(data) != "jpeg" {
		return decodeBytes(data)
	}
	img, err := decodeJPEGHint(data, max(minW, 1), max(minH, 1))
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("truncated jpeg (%d bytes): %w", len(data), err)
		}
		return nil, err
	}
	return img, nil
}

// JPEGSize reads a JPEG's frame size from its header (0, 0, false for
// anything else), cheaply: it parses markers up to SOF without decoding.
func JPEGSize(data []byte) (w, h int, ok bool) {
	if format(data) != "jpeg" {
		return 0, 0, false
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 0, 0, false
		}
		m := data[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01 {
			i += 2
			continue
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		// SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			if i+9 > len(data) {
				return 0, 0, false
			}
			h = int(data[i+5])<<8 | int(data[i+6])
			w = int(data[i+7])<<8 | int(data[i+8])
			return w, h, w > 0 && h > 0
		}
		i += 2 + n
	}
	return 0, 0, false
}

// ScaledJPEGSize is the size DecodeFileHint returns for a w × h JPEG and a
// minW × minH hint with the pure-Go decoder (libjpeg-turbo's scaling factors
// give the same sizes for n/8; see decode_turbo.go).
func ScaledJPEGSize(w, h, minW, minH int) (int, int) {
	n := pickScale(w, h, minW, minH)
	return (w*n + 7) / 8, (h*n + 7) / 8
}

func pickScale(w, h, minW, minH int) int {
	for _, n := range [...]int{1, 2, 4} {
		if (w*n+7)/8 >= minW && (h*n+7)/8 >= minH {
			return n
		}
	}
	return 8
}

// DecodeHinter is implemented by transforms that only need the decoded image to be at
// least w × h (e.g. an eval transform resizing the short side to 256): the loader then
// decodes JPEGs at a reduced DCT scale when that still gives w × h, which for large
// photos skips most of the decoding work.
type DecodeHinter interface {
	MinDecodeSize() (w, h int)
}

// DecodeFor decodes path for transform t: with t's size hint when it gives one, otherwise
// at full size — through libjpeg-turbo in a `-tags turbojpeg` build, else image/jpeg.
func DecodeFor(path string, t Transform) (image.Image, error) {
	if h, ok := t.(DecodeHinter); ok {
		if w, hh := h.MinDecodeSize(); w > 0 && hh > 0 {
			return DecodeFileHint(path, w, hh)
		}
	}
	if decoderName == "turbojpeg" {
		// A hint larger than any image selects the full-size decode of this build's decoder.
		return DecodeFileHint(path, 1<<30, 1<<30)
	}
	return DecodeFile(path)
}
