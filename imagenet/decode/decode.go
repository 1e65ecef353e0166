package decode

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
)

// DefaultMaxPixels is the default pixel limit (Pillow's MAX_IMAGE_PIXELS,
// 178,956,970: about 13,400 × 13,400, far above any real photo). An image whose
// header claims more is refused before anything is allocated for it; a decoded
// RGBA copy of one at the limit is 716 MB.
const DefaultMaxPixels = 178956970

// ErrTooLarge is wrapped by the error for an image whose header claims more
// pixels than the limit, so callers can tell a refused file from a broken one.
var ErrTooLarge = errors.New("image too large")

// ErrEmpty is wrapped by the error for a zero-byte file (a common leftover of
// interrupted copies), so callers can count it apart from corrupt data.
var ErrEmpty = errors.New("empty file")

// Options tune File, Bytes and Scaled; the zero value decodes at full size with
// the default pixel limit.
type Options struct {
	// MinW × MinH is a size hint: with libjpeg-turbo a JPEG is decoded at the
	// smallest scale n/8 (n = 1, 2, 4; the reduction happens in the IDCT)
	// whose output is still at least MinW × MinH. 0 (or a hint no reduction
	// keeps) means full size, as do PNG, GIF and the standard library decoder.
	MinW, MinH int
	// MaxPixels is the pixel limit; <= 0 means DefaultMaxPixels.
	MaxPixels int64
	// SizeFor, when set, gives the size hint from the image's full size (read
	// from the header) instead of MinW, MinH.
	SizeFor func(w, h int) (minW, minH int)
	// YCbCr returns a YCbCr JPEG as its planes, an *image.YCbCr with chroma at the
	// frame's own resolution, instead of upsampling the chroma and converting the whole
	// image to RGBA, with either decoder. For readers that resample anyway (augment
	// resamples each plane and converts only its output pixels): the upsampling and a
	// full-size conversion pass are skipped, and the buffer is 1.5 bytes per pixel
	// (4:2:0) instead of 4. Grayscale, RGB and CMYK JPEGs still come as RGBA.
	YCbCr bool
}

// File reads and decodes the image at path into RGB.
//
// The format comes from the file's magic bytes, never its name: ImageNet's
// training set has a PNG named .JPEG. JPEG, PNG and GIF are understood.
// The header is read first: more than the pixel limit (width × height as
// claimed) is an error wrapping ErrTooLarge, so a few hundred bytes claiming
// 60000 × 60000 cost nothing. The result is an *image.RGBA with opaque
// pixels: YCbCr, grayscale and CMYK/YCCK JPEGs (22 ImageNet files are CMYK)
// are converted, so transforms need to handle a single pixel layout; only
// Options.YCbCr lets YCbCr planes through. Empty,
// truncated and unrecognised files return an error that names the file.
// JPEGs go through libjpeg-turbo when it was loaded (JPEGDecoder).
func File(path string, o Options) (image.Image, error) {
	return decodeFile(path, o, jpegSel().turbo)
}

func decodeFile(path string, o Options, turbo bool) (image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("decode: read %s: %w", path, err)
	}
	img, err := decodeBytes(data, o, turbo)
	if err != nil {
		return nil, fmt.Errorf("decode: %s: %w", path, err)
	}
	return img, nil
}

// Bytes is File for a file already in memory (a shard member, a packed image);
// errors do not name it, the caller knows what it is.
func Bytes(data []byte, o Options) (image.Image, error) {
	return decodeBytes(data, o, jpegSel().turbo)
}

// Scaled is Bytes that also returns the image's full size (from the header) and
// the scale it was decoded at, in eighths: 8 is full size; 1, 2 or 4 a
// libjpeg-turbo reduced decode, img then being full × eighths/8 rounded up on
// each side. A transform that drew its crop on the full size maps it onto img
// with these.
func Scaled(data []byte, o Options) (img image.Image, full image.Point, eighths int, err error) {
	return decodeScaled(data, o, jpegSel().turbo)
}

// Header reads what decoding reads first, and refuses what decoding would refuse
// before allocating anything: an empty file (ErrEmpty), an unknown format, a
// truncated header or a claimed size over maxPixels (<= 0: DefaultMaxPixels;
// ErrTooLarge). format is "jpeg", "png" or "gif". It is for callers that decide
// from the header whether to decode at all (the shard packer keeps a small JPEG's
// own bytes).
func Header(data []byte, maxPixels int64) (cfg image.Config, format string, err error) {
	if len(data) == 0 {
		return image.Config{}, "", ErrEmpty
	}
	f := sniff(data)
	if f == "" {
		return image.Config{}, "", unknownFormat(data)
	}
	cfg, _, err = image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return image.Config{}, f, wrapTruncated(f, data, err)
	}
	if err := checkPixels(cfg.Width, cfg.Height, maxPixels); err != nil {
		return image.Config{}, f, err
	}
	return cfg, f, nil
}

// sniff names the image format from the leading magic bytes, "" if unknown.
func sniff(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	}
	return ""
}

func unknownFormat(data []byte) error {
	return fmt.Errorf("unknown image format (first bytes % x)", data[:min(len(data), 8)])
}

func decodeBytes(data []byte, o Options, turbo bool) (image.Image, error) {
	img, _, _, err := decodeScaled(data, o, turbo)
	return img, err
}

// decodeScaled is the one decoding path: header, pixel limit, then libjpeg-turbo (turbo
// true, JPEG) or the standard library. Anything libjpeg-turbo refuses or only warns about
// (CMYK/YCCK to RGBA, truncated or corrupt data) is decoded again by image/jpeg, so errors
// and CMYK handling are the standard library's whichever decoder is in use; the standard
// library's header checks are Header's.
func decodeScaled(data []byte, o Options, turbo bool) (_ image.Image, full image.Point, eighths int, _ error) {
	f := sniff(data)
	turbo = turbo && f == "jpeg"
	var layout turboLayout
	if turbo {
		w, h, l, err := turboHeader(data)
		if err == nil {
			err = checkPixels(w, h, o.MaxPixels)
			if err != nil {
				return nil, image.Point{}, 0, err
			}
		}
		full, layout, turbo = image.Pt(w, h), l, err == nil
	}
	if !turbo { // also what refuses empty, unknown and truncated files
		cfg, _, err := Header(data, o.MaxPixels)
		if err != nil {
			return nil, image.Point{}, 0, err
		}
		full = image.Pt(cfg.Width, cfg.Height)
	}
	if turbo {
		minW, minH := o.MinW, o.MinH
		if o.SizeFor != nil {
			minW, minH = o.SizeFor(full.X, full.Y)
		}
		n := pickScale(full.X, full.Y, minW, minH)
		sw, sh := scaledDim(full.X, n), scaledDim(full.Y, n)
		if o.YCbCr && layout.ok {
			if img, err := turboDecodeYCbCr(data, sw, sh, layout); err == nil {
				return img, full, n, nil
			}
		} else if img, err := turboDecode(data, sw, sh, false); err == nil {
			return img, full, n, nil
		}
	}
	var img image.Image
	var err error
	r := bytes.NewReader(data)
	switch f {
	case "jpeg":
		img, err = jpeg.Decode(r)
	case "png":
		img, err = png.Decode(r)
	case "gif":
		img, err = gif.Decode(r) // the first frame only
	}
	if err != nil {
		return nil, image.Point{}, 0, wrapTruncated(f, data, err)
	}
	if y, ok := img.(*image.YCbCr); ok && o.YCbCr && y.Rect.Min == (image.Point{}) {
		return y, full, 8, nil
	}
	return toRGBA(img), full, 8, nil
}

func wrapTruncated(f string, data []byte, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("truncated %s (%d bytes): %w", f, len(data), err)
	}
	return err
}

// checkPixels refuses a claimed size over the limit (or a degenerate one).
func checkPixels(w, h int, limit int64) error {
	if limit <= 0 {
		limit = DefaultMaxPixels
	}
	if w <= 0 || h <= 0 {
		return fmt.Errorf("image header claims %d × %d pixels", w, h)
	}
	if int64(w)*int64(h) > limit {
		return fmt.Errorf("%w: header claims %d × %d = %d pixels, over the limit of %d (data.max_pixels)",
			ErrTooLarge, w, h, int64(w)*int64(h), limit)
	}
	return nil
}

// pickScale is the numerator n of the smallest n/8 scale (n = 1, 2, 4; 8 is
// full size) whose output still covers minW × minH; libjpeg-turbo's reduced
// IDCTs for 1/2, 1/4 and 1/8 are SIMD-accelerated, the other n/8 are not.
// libjpeg-turbo rounds scaled sizes up (TJSCALED), as scaledDim.
func pickScale(w, h, minW, minH int) int {
	if minW <= 0 && minH <= 0 {
		return 8
	}
	for _, n := range [...]int{1, 2, 4} {
		if scaledDim(w, n) >= minW && scaledDim(h, n) >= minH {
			return n
		}
	}
	return 8
}

func scaledDim(d, n int) int { return (d*n + 7) / 8 }

// toRGBA converts any decoded image to an opaque *image.RGBA with origin
// (0,0). The common cases have direct loops; draw.Draw handles the rest.
func toRGBA(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := newRGBA(b.Dx(), b.Dy()) // every case below writes every byte
	w, h := b.Dx(), b.Dy()
	switch s := src.(type) {
	case *image.YCbCr:
		ycbcrToRGBA(s, dst)
	case *image.Gray:
		for y := 0; y < h; y++ {
			in := s.Pix[y*s.Stride : y*s.Stride+w]
			row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x, v := range in {
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = v, v, v, 255
			}
		}
	case *image.CMYK:
		// Go's JPEG decoder already undoes Adobe's inverted CMYK and YCCK.
		for y := 0; y < h; y++ {
			in := s.Pix[y*s.Stride : y*s.Stride+4*w]
			row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				r, g, bb := color.CMYKToRGB(in[4*x], in[4*x+1], in[4*x+2], in[4*x+3])
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = r, g, bb, 255
			}
		}
	default:
		// Paletted, 16-bit and alpha images (PNG/GIF). Transparent pixels
		// are composited over black so the result is always opaque RGB.
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Over)
	}
	return dst
}

// ycbcrToRGBA converts the decoder's usual output without per-pixel method
// calls: it walks rows directly, for any chroma subsampling, with the same
// 16.16 fixed-point JFIF formula as image/color.YCbCrToRGB (so results are
// bit-identical to it). This is about a third of the cost of a decode when
// done through the generic helpers.
func ycbcrToRGBA(s *image.YCbCr, dst *image.RGBA) {
	b := s.Bounds()
	w, h := b.Dx(), b.Dy()
	// Chroma sample index of pixel x, relative to the chroma row start.
	var cxShift, cyShift int
	switch s.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		cxShift = 1
	case image.YCbCrSubsampleRatio420:
		cxShift, cyShift = 1, 1
	case image.YCbCrSubsampleRatio440:
		cyShift = 1
	case image.YCbCrSubsampleRatio411:
		cxShift = 2
	case image.YCbCrSubsampleRatio410:
		cxShift, cyShift = 2, 1
	}
	cx0 := (b.Min.X >> cxShift) << cxShift
	for y := 0; y < h; y++ {
		sy := b.Min.Y + y
		yRow := s.Y[(sy-s.Rect.Min.Y)*s.YStride+(b.Min.X-s.Rect.Min.X):]
		cBase := ((sy>>cyShift)-(s.Rect.Min.Y>>cyShift))*s.CStride + (cx0>>cxShift - s.Rect.Min.X>>cxShift)
		cbRow, crRow := s.Cb[cBase:], s.Cr[cBase:]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := 0; x < w; x++ {
			ci := (b.Min.X + x - cx0) >> cxShift
			yy1 := int32(yRow[x]) * 0x10101
			cb1 := int32(cbRow[ci]) - 128
			cr1 := int32(crRow[ci]) - 128
			r := yy1 + 91881*cr1
			g := yy1 - 22554*cb1 - 46802*cr1
			bb := yy1 + 116130*cb1
			o := out[4*x : 4*x+4 : 4*x+4]
			o[0], o[1], o[2], o[3] = clamp16(r), clamp16(g), clamp16(bb), 255
		}
	}
}

// clamp16 turns a 16.16 fixed-point value into a byte, clamping to [0,255].
func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}
