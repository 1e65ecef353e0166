package imagenet

import (
	"fmt"
	"image"
	"os"
	"sync"
)

// Which JPEG decoder runs is decided once per process: libjpeg-turbo
// (libturbojpeg.so.0, Debian package libturbojpeg0) when it can be loaded,
// else the standard library's image/jpeg. TFVISION_JPEG=std forces the
// standard library (tests use it to cover both paths).

// JPEGEnv is the environment variable that selects the JPEG decoder:
// "std" forces image/jpeg; "" or "auto" uses libjpeg-turbo when it loads.
const JPEGEnv = "TFVISION_JPEG"

const turboLibName = "libturbojpeg.so.0"

type jpegChoice struct {
	turbo bool
	desc  string
}

var (
	jpegSel     = sync.OnceValue(func() jpegChoice { return selectJPEG(os.Getenv(JPEGEnv), turboLoaded) })
	turboLoaded = sync.OnceValue(loadTurbo) // dlopen once; nil when libjpeg-turbo is usable
)

func selectJPEG(env string, load func() error) jpegChoice {
	switch env {
	case "std":
		return jpegChoice{desc: "image/jpeg (standard library; " + JPEGEnv + "=std)"}
	case "", "auto":
	default:
		return jpegChoice{desc: fmt.Sprintf("image/jpeg (standard library; %s=%q is neither std nor auto)", JPEGEnv, env)}
	}
	if err := load(); err != nil {
		return jpegChoice{desc: "image/jpeg (standard library; libjpeg-turbo not loaded: " + err.Error() + ")"}
	}
	return jpegChoice{turbo: true, desc: "libjpeg-turbo (" + turboLibName + ", loaded at run time)"}
}

// JPEGDecoder loads libjpeg-turbo if it has not been tried yet and describes
// the JPEG decoder in use, with the reason when it is the standard library.
func JPEGDecoder() string { return jpegSel().desc }

// TurboJPEG reports whether JPEGs are decoded by libjpeg-turbo.
func TurboJPEG() bool { return jpegSel().turbo }

// DecodeHinter is implemented by transforms that only need the decoded image to be at
// least w × h (e.g. an eval transform resizing the short side to 256): with
// libjpeg-turbo the loader then decodes JPEGs at a reduced scale when that still gives
// w × h, which for large photos skips most of the decoding work.
type DecodeHinter interface {
	MinDecodeSize() (w, h int)
}

// DecodeFor decodes path for transform t, with t's size hint when it gives one, and
// refuses images over maxPixels (<= 0: DefaultMaxPixels).
func DecodeFor(path string, t Transform, maxPixels int64) (image.Image, error) {
	o := DecodeOptions{MaxPixels: maxPixels}
	if h, ok := t.(DecodeHinter); ok {
		o.MinW, o.MinH = h.MinDecodeSize()
	}
	return DecodeFileWith(path, o)
}
