//go:build cgo && linux

package decode

// libjpeg-turbo, found at run time.
//
// Why cgo + dlopen rather than github.com/ebitengine/purego: the tfvision binary is
// already a cgo binary (go-xla loads PJRT plugins with dlopen through cgo), so this adds
// no module, no new build requirement (no TurboJPEG headers: the five calls used are
// declared here) and no second foreign-call mechanism. cgo also lets libjpeg-turbo write
// straight into the Go-allocated image.RGBA pixels (a pointer to Go memory that holds
// no Go pointers may be passed for the duration of a call), and a cgo call's ~50 ns is
// nothing next to a millisecond decode. A CGO_ENABLED=0 build compiles
// jpeg_noturbo.go instead and uses image/jpeg.

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

// The subset of the TurboJPEG 2.x API used here (turbojpeg.h, stable since 1.4 and kept
// by 3.x for compatibility), declared locally so that building needs no headers.
typedef void *tfv_tjhandle;
static tfv_tjhandle (*tfv_tjInitDecompress)(void);
static int (*tfv_tjDecompressHeader3)(tfv_tjhandle, const unsigned char *, unsigned long, int *, int *, int *, int *);
static int (*tfv_tjDecompress2)(tfv_tjhandle, const unsigned char *, unsigned long, unsigned char *, int, int, int, int, int);
static int (*tfv_tjDestroy)(tfv_tjhandle);
static char *(*tfv_tjGetErrorStr2)(tfv_tjhandle);
static int (*tfv_tjDecompressToYUVPlanes)(tfv_tjhandle, const unsigned char *, unsigned long, unsigned char **, int, int *, int, int);

// tfv_load opens name and resolves the calls; 0 on success, else an error string
// (dlerror's or the missing symbol's name).
static const char *tfv_load(const char *name) {
	void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!lib) return dlerror();
	tfv_tjInitDecompress = (tfv_tjhandle (*)(void))dlsym(lib, "tjInitDecompress");
	if (!tfv_tjInitDecompress) return "tjInitDecompress";
	tfv_tjDecompressHeader3 = (int (*)(tfv_tjhandle, const unsigned char *, unsigned long, int *, int *, int *, int *))dlsym(lib, "tjDecompressHeader3");
	if (!tfv_tjDecompressHeader3) return "tjDecompressHeader3";
	tfv_tjDecompress2 = (int (*)(tfv_tjhandle, const unsigned char *, unsigned long, unsigned char *, int, int, int, int, int))dlsym(lib, "tjDecompress2");
	if (!tfv_tjDecompress2) return "tjDecompress2";
	tfv_tjDestroy = (int (*)(tfv_tjhandle))dlsym(lib, "tjDestroy");
	if (!tfv_tjDestroy) return "tjDestroy";
	tfv_tjGetErrorStr2 = (char *(*)(tfv_tjhandle))dlsym(lib, "tjGetErrorStr2");
	if (!tfv_tjGetErrorStr2) return "tjGetErrorStr2";
	tfv_tjDecompressToYUVPlanes = (int (*)(tfv_tjhandle, const unsigned char *, unsigned long, unsigned char **, int, int *, int, int))dlsym(lib, "tjDecompressToYUVPlanes");
	if (!tfv_tjDecompressToYUVPlanes) return "tjDecompressToYUVPlanes";
	return 0;
}

static tfv_tjhandle tfv_init(void) { return tfv_tjInitDecompress(); }
static void tfv_destroy(tfv_tjhandle h) { tfv_tjDestroy(h); }
static const char *tfv_error(tfv_tjhandle h) { return tfv_tjGetErrorStr2(h); }

static int tfv_header(tfv_tjhandle h, const unsigned char *buf, unsigned long size, int *w, int *hh, int *sub, int *cs) {
	return tfv_tjDecompressHeader3(h, buf, size, w, hh, sub, cs);
}

// TJPF_RGBA = 7: the alpha byte is written as 0xFF. Flags 0: accurate integer IDCT and
// "fancy" (triangular) chroma upsampling, libjpeg's defaults, as PIL decodes; 256 is
// TJFLAG_FASTUPSAMPLE (chroma samples repeated, as image/jpeg does; tests only).
static int tfv_decode(tfv_tjhandle h, const unsigned char *buf, unsigned long size,
		unsigned char *dst, int w, int hh, int flags) {
	return tfv_tjDecompress2(h, buf, size, dst, w, w * 4, hh, 7, flags);
}

// The planes as the IDCT leaves them (no chroma upsampling, no colour conversion); w × hh
// picks the scale as for tfv_decode.
static int tfv_decode_yuv(tfv_tjhandle h, const unsigned char *buf, unsigned long size,
		unsigned char *y, unsigned char *cb, unsigned char *cr, int ystride, int cstride, int w, int hh) {
	unsigned char *planes[3] = {y, cb, cr};
	int strides[3] = {ystride, cstride, cstride};
	return tfv_tjDecompressToYUVPlanes(h, buf, size, planes, w, strides, hh, 0);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"unsafe"
)

// turboHandles keeps decompressors for reuse (each holds libjpeg's state, ~a few KB;
// creating one per image would cost a little). Workers take one per call. A handle
// whose call failed is destroyed, never reused: with libjpeg-turbo 2.1, after
// tjDecompressHeader3 failed on a truncated file ("Bogus Huffman table definition") every
// later header read on that handle failed the same way, so good files silently went to
// image/jpeg, and which did depended on the worker (TestTurboHandleAfterError).
var turboHandles = make(chan C.tfv_tjhandle, 64)

// loadTurbo dlopens libturbojpeg and resolves its calls; called once.
func loadTurbo() error {
	name := C.CString(turboLibName)
	defer C.free(unsafe.Pointer(name))
	if msg := C.tfv_load(name); msg != nil {
		return fmt.Errorf("%s: %s", turboLibName, C.GoString(msg))
	}
	return nil
}

func getHandle() (C.tfv_tjhandle, error) {
	select {
	case h := <-turboHandles:
		return h, nil
	default:
	}
	h := C.tfv_init()
	if h == nil {
		return nil, errors.New("tjInitDecompress failed")
	}
	return h, nil
}

func putHandle(h C.tfv_tjhandle) {
	select {
	case turboHandles <- h:
	default:
		C.tfv_destroy(h)
	}
}

// withHandle runs call (a TurboJPEG call returning 0 on success) on a pooled handle. A
// handle whose call failed is destroyed, not pooled (see turboHandles), and the error
// is libjpeg-turbo's message.
func withHandle(call func(C.tfv_tjhandle) C.int) error {
	th, err := getHandle()
	if err != nil {
		return err
	}
	if call(th) != 0 {
		err := fmt.Errorf("libjpeg-turbo: %s", C.GoString(C.tfv_error(th)))
		C.tfv_destroy(th)
		return err
	}
	putHandle(th)
	return nil
}

// turboHeader reads the frame size and, for turboDecodeYCbCr, the chroma layout: the
// image.YCbCr subsample ratio of a YCbCr frame, ok false for any other (grayscale, RGB,
// CMYK/YCCK, or a layout image.YCbCr has no name for). An error for what libjpeg-turbo
// cannot parse.
func turboHeader(data []byte) (w, h int, ycc turboLayout, err error) {
	var cw, ch, sub, cs C.int
	err = withHandle(func(th C.tfv_tjhandle) C.int {
		return C.tfv_header(th, (*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)), &cw, &ch, &sub, &cs)
	})
	if err != nil {
		return 0, 0, turboLayout{}, err
	}
	return int(cw), int(ch), layoutOf(int(sub), int(cs)), nil
}

// turboDecodeYCbCr decodes data at scaled size sw × sh (as turboDecode) to its YCbCr
// planes, chroma at the frame's own resolution: no upsampling and no conversion to RGB,
// which a reader that resamples anyway does better itself (augment resamples chroma
// from its own samples, then converts only the output pixels).
func turboDecodeYCbCr(data []byte, sw, sh int, l turboLayout) (*image.YCbCr, error) {
	img, ys, cs := newYCbCr(sw, sh, l)
	err := withHandle(func(th C.tfv_tjhandle) C.int {
		return C.tfv_decode_yuv(th, (*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)),
			(*C.uchar)(unsafe.Pointer(&img.Y[0])), (*C.uchar)(unsafe.Pointer(&img.Cb[0])), (*C.uchar)(unsafe.Pointer(&img.Cr[0])),
			C.int(ys), C.int(cs), C.int(sw), C.int(sh))
	})
	if err != nil {
		return nil, err
	}
	return img, nil
}

// turboDecode decodes data to an sw × sh RGBA image, where sw × sh is a scaled size
// libjpeg-turbo supports for this frame (turboScaled). Warnings (e.g. a truncated
// stream, which libjpeg fills with grey) count as errors: the caller falls back to
// image/jpeg so that broken files get exactly its errors.
//
// fastUpsample repeats chroma samples instead of interpolating them (tests compare
// with image/jpeg that way; decoding uses libjpeg's default, fancy upsampling).
func turboDecode(data []byte, sw, sh int, fastUpsample bool) (*image.RGBA, error) {
	img := newRGBA(sw, sh) // libjpeg-turbo writes every byte
	flags := C.int(0)
	if fastUpsample {
		flags = 256
	}
	err := withHandle(func(th C.tfv_tjhandle) C.int {
		return C.tfv_decode(th, (*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)),
			(*C.uchar)(unsafe.Pointer(&img.Pix[0])), C.int(sw), C.int(sh), flags)
	})
	if err != nil {
		return nil, err
	}
	return img, nil
}
