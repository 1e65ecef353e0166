package augment

import (
	"fmt"
	"strings"
)

// Interpolation selects the resampling filter. The filters follow PIL's
// (Pillow's) definitions, because the torchvision/timm recipes we reproduce
// resize PIL images: bilinear is the triangle filter, bicubic is the cubic
// convolution with a = -0.5, and both widen their support by the scale
// factor when downscaling (antialias), as PIL always does.
type Interpolation int

const (
	Bilinear Interpolation = iota
	Bicubic
	Nearest
)

// String returns the name accepted by ParseInterpolation.
func (i Interpolation) String() string {
	switch i {
	case Bilinear:
		return "bilinear"
	case Bicubic:
		return "bicubic"
	case Nearest:
		return "nearest"
	}
	return fmt.Sprintf("Interpolation(%d)", int(i))
}

func (i Interpolation) valid() bool { return i == Bilinear || i == Bicubic || i == Nearest }

// ParseInterpolation parses "bilinear", "bicubic" or "nearest" (any case).
func ParseInterpolation(s string) (Interpolation, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "bilinear", "linear":
		return Bilinear, nil
	case "bicubic", "cubic":
		return Bicubic, nil
	case "nearest":
		return Nearest, nil
	}
	return 0, fmt.Errorf("augment: unknown interpolation %q (want bilinear, bicubic or nearest)", s)
}

// support is the filter's half-width at scale 1 (PIL's values).
func (i Interpolation) support() float64 {
	switch i {
	case Bicubic:
		return 2
	case Nearest:
		return 0.5
	}
	return 1
}

// kernel evaluates the filter at distance x (PIL's bilinear_filter / bicubic_filter).
func (i Interpolation) kernel(x float64) float64 {
	if x < 0 {
		x = -x
	}
	switch i {
	case Bicubic:
		const a = -0.5
		if x < 1 {
			return ((a+2)*x-(a+3))*x*x + 1
		}
		if x < 2 {
			return (((x-5)*x+8)*x - 4) * a
		}
		return 0
	case Nearest:
		if x < 0.5 {
			return 1
		}
		return 0
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}
