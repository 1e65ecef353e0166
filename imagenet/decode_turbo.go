//go:build turbojpeg

package imagenet

// Opt-in libjpeg-turbo fast path: go build -tags turbojpeg. Needs the
// TurboJPEG headers and library (Debian: libturbojpeg0-dev) and cgo; the
// default build stays pure Go and static.

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>

static int tfv_decode(const unsigned char *buf, unsigned long size, int minW, int minH,
		unsigned char **out, int *ow, int *oh) {
	tjhandle h = tjInitDecompress();
	if (!h) return -1;
	int w, hh, sub, cs;
	if (tjDecompressHeader3(h, buf, size, &w, &hh, &sub, &cs) != 0) { tjDestroy(h); return -1; }
	// Smallest n/8 (n = 1, 2, 4; the SIMD-accelerated reduced IDCTs) whose output still covers minW x minH, as the
	// pure-Go decoder; libjpeg-turbo rounds scaled sizes up, the same way.
	int num = 8;
	for (int n = 1; n < 8; n *= 2) {
		if ((w * n + 7) / 8 >= minW && (hh * n + 7) / 8 >= minH) { num = n; break; }
	}
	tjscalingfactor sf = {num, 8};
	int sw = TJSCALED(w, sf), sh = TJSCALED(hh, sf);
	unsigned char *dst = (unsigned char *)malloc((size_t)sw * sh * 4);
	if (!dst) { tjDestroy(h); return -1; }
	if (tjDecompress2(h, buf, size, dst, sw, sw * 4, sh, TJPF_RGBA, 0) != 0) {
		free(dst); tjDestroy(h); return -1;
	}
	tjDestroy(h);
	*out = dst; *ow = sw; *oh = sh;
	return 0;
}
*/
import "C"

import (
	"image"
	"unsafe"
)

// decodeJPEGHint decodes with libjpeg-turbo at the smallest n/8 scale that
// is at least minW × minH (n in 1, 2, 4, or 8 for a full-size decode). Anything
// libjpeg-turbo refuses or only warns about (CMYK/YCCK to RGBA, truncated
// or corrupt data) goes to the pure-Go decoder, so errors and CMYK handling
// are exactly DecodeFile's.
func decodeJPEGHint(data []byte, minW, minH int) (image.Image, error) {
	var out *C.uchar
	var w, h C.int
	if len(data) > 0 && C.tfv_decode((*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)), C.int(minW), C.int(minH), &out, &w, &h) == 0 {
		n := int(w) * int(h) * 4
		img := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
		copy(img.Pix, unsafe.Slice((*byte)(unsafe.Pointer(out)), n))
		C.free(unsafe.Pointer(out))
		return img, nil
	}
	return decodeJPEGHintGo(data, minW, minH)
}

const decoderName = "turbojpeg"
