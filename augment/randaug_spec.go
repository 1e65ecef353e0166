package augment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// RandAugmentConfig is a parsed timm RandAugment spec.
type RandAugmentConfig struct {
	NumOps       int     // n: ops drawn per image (with replacement), default 2
	Magnitude    float64 // m: magnitude in [0, 10], default 10 (timm's default)
	MagnitudeStd float64 // mstd: Gaussian noise on the magnitude per op; +Inf = uniform in [0, m]
	MagnitudeMax float64 // mmax: upper clip of the noisy magnitude, default 10
	Increasing   bool    // inc: use the "increasing" op set (stronger with magnitude)
	Prob         float64 // p: probability each drawn op is applied, default 0.5

	// Interp is the filter of the geometric ops (not part of the spec: timm
	// passes the training interpolation; NewTrain sets it from TrainConfig).
	Interp Interpolation
}

// ParseRandAugment parses timm's RandAugment spec strings, e.g.
// "rand-m9-mstd0.5-inc1" or "rand-m9-n3-mstd0.5": a leading "rand", then
// dash-separated tokens key+value with keys m, n, mstd, mmax, inc, p. As in
// timm, mstd > 100 means +Inf (uniform magnitude in [0, m]). Errors name the
// offending token.
func ParseRandAugment(spec string) (RandAugmentConfig, error) {
	cfg := RandAugmentConfig{NumOps: 2, Magnitude: 10, MagnitudeMax: 10, Prob: 0.5}
	toks := strings.Split(spec, "-")
	if toks[0] != "rand" {
		return cfg, fmt.Errorf("randaugment spec %q: first token %q, want \"rand\"", spec, toks[0])
	}
	for _, tok := range toks[1:] {
		i := strings.IndexAny(tok, "0123456789.")
		if i <= 0 {
			return cfg, fmt.Errorf("randaugment spec %q: bad token %q (want key+number, keys m, n, mstd, mmax, inc, p)", spec, tok)
		}
		key, val := tok[:i], tok[i:]
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return cfg, fmt.Errorf("randaugment spec %q: bad value in token %q", spec, tok)
		}
		switch key {
		case "m":
			if f > 10 && f > cfg.MagnitudeMax {
				return cfg, fmt.Errorf("randaugment spec %q: token %q: magnitude above 10 needs mmax first", spec, tok)
			}
			cfg.Magnitude = f
		case "n":
			if f != math.Trunc(f) || f < 1 || f > 16 {
				return cfg, fmt.Errorf("randaugment spec %q: token %q: n must be an integer in 1..16", spec, tok)
			}
			cfg.NumOps = int(f)
		case "mstd":
			if f > 100 {
				f = math.Inf(1)
			}
			cfg.MagnitudeStd = f
		case "mmax":
			cfg.MagnitudeMax = f
		case "inc":
			if f != 0 && f != 1 {
				return cfg, fmt.Errorf("randaugment spec %q: token %q: inc must be 0 or 1", spec, tok)
			}
			cfg.Increasing = f == 1
		case "p":
			if f > 1 {
				return cfg, fmt.Errorf("randaugment spec %q: token %q: p must be in [0,1]", spec, tok)
			}
			cfg.Prob = f
		default:
			return cfg, fmt.Errorf("randaugment spec %q: unknown key in token %q (keys m, n, mstd, mmax, inc, p)", spec, tok)
		}
	}
	return cfg, nil
}
