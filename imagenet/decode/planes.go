package decode

import "image"

// turboLayout is what turboDecodeYCbCr needs from a frame's header: the chroma layout as
// image.YCbCr names it, and as shifts (libjpeg-turbo pads each plane to whole chroma
// samples, tjPlaneWidth/Height).
type turboLayout struct {
	ok           bool // a YCbCr frame whose layout image.YCbCr can hold
	ratio        image.YCbCrSubsampleRatio
	chromaShiftX uint // log2 of luma pixels per chroma sample, across
	chromaShiftY uint // and down
}

// layoutOf maps TurboJPEG's subsampling (TJSAMP_*) and colourspace (TJCS_*) codes. Only
// TJCS_YCbCr (1) frames are kept as planes: grayscale, RGB and CMYK/YCCK frames decode to
// RGBA as before.
func layoutOf(sub, cs int) turboLayout {
	const tjcsYCbCr = 1
	if cs != tjcsYCbCr {
		return turboLayout{}
	}
	switch sub {
	case 0: // TJSAMP_444
		return turboLayout{true, image.YCbCrSubsampleRatio444, 0, 0}
	case 1: // TJSAMP_422
		return turboLayout{true, image.YCbCrSubsampleRatio422, 1, 0}
	case 2: // TJSAMP_420
		return turboLayout{true, image.YCbCrSubsampleRatio420, 1, 1}
	case 4: // TJSAMP_440
		return turboLayout{true, image.YCbCrSubsampleRatio440, 0, 1}
	case 5: // TJSAMP_411
		return turboLayout{true, image.YCbCrSubsampleRatio411, 2, 0}
	}
	return turboLayout{} // TJSAMP_GRAY and anything newer
}

// newYCbCr allocates a w × h image with l's layout whose planes are as large as
// libjpeg-turbo writes them (tjPlaneWidth/Height: each side padded to a whole number of
// chroma samples), in one recycled buffer so that Recycle can hand all of it back. It
// returns the luma and chroma strides too.
func newYCbCr(w, h int, l turboLayout) (img *image.YCbCr, yStride, cStride int) {
	padW := 1 << l.chromaShiftX
	padH := 1 << l.chromaShiftY
	yw, yh := (w+padW-1)/padW*padW, (h+padH-1)/padH*padH
	cw, ch := yw>>l.chromaShiftX, yh>>l.chromaShiftY
	ylen, clen := yw*yh, cw*ch
	buf := pixels(ylen + 2*clen) // libjpeg-turbo writes every byte of every plane
	img = &image.YCbCr{
		Y:              buf[:ylen], // full capacity: Recycle recovers the whole buffer from it
		Cb:             buf[ylen : ylen+clen : ylen+clen],
		Cr:             buf[ylen+clen : ylen+2*clen : ylen+2*clen],
		YStride:        yw,
		CStride:        cw,
		SubsampleRatio: l.ratio,
		Rect:           image.Rect(0, 0, w, h),
	}
	return img, yw, cw
}

// ycbcrBuffer returns the single buffer newYCbCr allocated img's planes in (as a
// zero-length slice of its whole capacity), or nil for planes allocated otherwise
// (image/jpeg's, whose luma slice is capped at its own length).
func ycbcrBuffer(img *image.YCbCr) []byte {
	n := len(img.Y)
	if n == 0 || len(img.Cb) == 0 || cap(img.Y) < n+len(img.Cb)+len(img.Cr) {
		return nil
	}
	all := img.Y[:n+len(img.Cb)+len(img.Cr)]
	if &all[n] != &img.Cb[0] || &all[n+len(img.Cb)] != &img.Cr[0] {
		return nil
	}
	return img.Y[:0]
}
