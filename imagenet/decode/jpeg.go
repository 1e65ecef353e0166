package decode

import (
	"fmt"
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
// the JPEG decoder in use, with the reason when it is the standard library:
// `tfvision version` and the train start line print it, because the two decoders'
// pixels differ slightly and a silent fallback would cost throughput unnoticed.
func JPEGDecoder() string { return jpegSel().desc }

// Turbo reports whether JPEGs are decoded by libjpeg-turbo, for tests and reports
// whose expectations depend on the decoder (pixels differ slightly between the two).
func Turbo() bool { return jpegSel().turbo }

// UseTurbo makes decoding use libjpeg-turbo (turbo true) or image/jpeg until restore is
// called, whatever TFVISION_JPEG says. The choice is otherwise made once per process;
// this exists so that one test process can check callers (the loader's reduced decodes)
// with both decoders. It returns an error, changing nothing, when turbo is asked for and
// libjpeg-turbo cannot be loaded. Not safe while decodes are running.
func UseTurbo(turbo bool) (restore func(), err error) {
	if turbo {
		if err := turboLoaded(); err != nil {
			return nil, err
		}
	}
	old := jpegSel
	jpegSel = func() jpegChoice { return jpegChoice{turbo: turbo, desc: "forced by UseTurbo"} }
	return func() { jpegSel = old }, nil
}
