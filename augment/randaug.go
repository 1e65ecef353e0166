package augment

import (
	"image"
	"math"
	"math/rand/v2"
)

// levelDenom is timm's _LEVEL_DENOM: magnitudes live on a 0..10 scale.
const levelDenom = 10.0

// opKind names one RandAugment operation.
type opKind int

const (
	opAutoContrast opKind = iota
	opEqualize
	opInvert
	opRotate
	opPosterize
	opSolarize
	opSolarizeAdd
	opColor
	opContrast
	opBrightness
	opSharpness
	opShearX
	opShearY
	opTranslateXRel
	opTranslateYRel
	numOps
)

var opNames = [numOps]string{
	"AutoContrast", "Equalize", "Invert", "Rotate", "Posterize", "Solarize", "SolarizeAdd",
	"Color", "Contrast", "Brightness", "Sharpness", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel",
}

// OpNames lists the 15 ops in timm's order (_RAND_TRANSFORMS /
// _RAND_INCREASING_TRANSFORMS; with inc1 Posterize, Solarize, Color,
// Contrast, Brightness and Sharpness are the "Increasing" variants).
func OpNames() []string { return append([]string(nil), opNames[:]...) }

// RandAugment applies timm's RandAugment to 8-bit images. Safe for
// concurrent use; all randomness comes from the rng passed to Apply.
type RandAugment struct {
	cfg RandAugmentConfig
}

// NewRandAugment builds the augmenter for a parsed spec.
func NewRandAugment(cfg RandAugmentConfig) *RandAugment { return &RandAugment{cfg: cfg} }

// Config returns the parsed spec.
func (r *RandAugment) Config() RandAugmentConfig { return r.cfg }

// Apply transforms img in place. As timm's RandAugment: NumOps ops are drawn
// uniformly with replacement first; then each, with probability Prob, runs at
// a magnitude drawn from N(m, mstd) (uniform [0,m] for mstd=inf) clipped to
// [0, mmax]. Each op maps the magnitude to its argument with timm's level
// functions (random sign where timm negates).
func (r *RandAugment) Apply(img *image.NRGBA, rng *rand.Rand) {
	var chosen [16]opKind
	n := min(r.cfg.NumOps, len(chosen))
	for i := range n {
		chosen[i] = opKind(rng.IntN(int(numOps)))
	}
	for _, op := range chosen[:n] {
		if r.cfg.Prob < 1 && rng.Float64() > r.cfg.Prob {
			continue
		}
		m := r.cfg.Magnitude
		if math.IsInf(r.cfg.MagnitudeStd, 1) {
			m = m * rng.Float64()
		} else if r.cfg.MagnitudeStd > 0 {
			m = m + r.cfg.MagnitudeStd*rng.NormFloat64()
		}
		m = max(0, min(m, r.cfg.MagnitudeMax))
		applyOp(img, op, m, r.cfg.Increasing, r.cfg.Interp, rng)
	}
}

// randomNegate is timm's _randomly_negate: negative when random() > 0.5.
func randomNegate(v float64, rng *rand.Rand) float64 {
	if rng.Float64() > 0.5 {
		return -v
	}
	return v
}

// applyOp maps magnitude m to the op's argument (timm's level_to_arg
// functions) and runs it.
func applyOp(img *image.NRGBA, op opKind, m float64, inc bool, interp Interpolation, rng *rand.Rand) {
	lv := m / levelDenom
	switch op {
	case opAutoContrast:
		AutoContrast(img)
	case opEqualize:
		Equalize(img)
	case opInvert:
		Invert(img)
	case opRotate:
		Rotate(img, randomNegate(lv*30, rng), interp)
	case opPosterize:
		bits := int(lv * 4) // TF EfficientNet: keep 0..4 MSBs
		if inc {
			bits = 4 - int(lv*4)
		}
		Posterize(img, bits)
	case opSolarize:
		thresh := int(lv * 256)
		if inc {
			thresh = 256 - int(lv*256)
		}
		Solarize(img, thresh)
	case opSolarizeAdd:
		SolarizeAdd(img, int(lv*110), 128)
	case opColor, opContrast, opBrightness, opSharpness:
		f := lv*1.8 + 0.1
		if inc {
			f = 1 + randomNegate(lv*0.9, rng)
		}
		switch op {
		case opColor:
			Color(img, f)
		case opContrast:
			Contrast(img, f)
		case opBrightness:
			Brightness(img, f)
		default:
			Sharpness(img, f)
		}
	case opShearX:
		Affine(img, [6]float64{1, randomNegate(lv*0.3, rng), 0, 0, 1, 0}, interp)
	case opShearY:
		Affine(img, [6]float64{1, 0, 0, randomNegate(lv*0.3, rng), 1, 0}, interp)
	case opTranslateXRel:
		px := randomNegate(lv*0.45, rng) * float64(img.Rect.Dx())
		Affine(img, [6]float64{1, 0, px, 0, 1, 0}, interp)
	case opTranslateYRel:
		py := randomNegate(lv*0.45, rng) * float64(img.Rect.Dy())
		Affine(img, [6]float64{1, 0, 0, 0, 1, py}, interp)
	}
}
