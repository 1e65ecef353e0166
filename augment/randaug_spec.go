package augment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

func init() { Register("randaug", buildRandAugment) }

// buildRandAugment: randaug(n=2, m=10, mstd=0, mmax=10, inc=0, p=0.5, interp), with the
// defaults of ParseRandAugment (DeiT's recipe is randaug(2, 9, mstd=0.5, inc=1)), or a
// timm string as the one positional argument, randaug('rand-m9-mstd0.5-inc1'), which is
// how the rand_augment key maps onto a spec. interp defaults to the geometry's filter.
func buildRandAugment(a *Args) (Op, error) {
	var cfg RandAugmentConfig
	if len(a.c.args) > 0 && a.c.args[0].key == "" && a.c.args[0].val.kind == stringValue {
		var err error
		if cfg, err = ParseRandAugment(a.String("timm", "")); err != nil {
			return nil, a.Errorf("timm", "%v", err)
		}
	} else {
		cfg.NumOps = a.Int("n", 2)
		cfg.Magnitude = a.Float("m", 10)
		cfg.MagnitudeStd = a.Float("mstd", 0)
		cfg.MagnitudeMax = a.Float("mmax", 10)
		inc := a.Int("inc", 0)
		cfg.Prob = a.Float("p", 0.5)
		if cfg.MagnitudeStd > 100 {
			cfg.MagnitudeStd = math.Inf(1) // timm: uniform in [0, m]
		}
		switch {
		case cfg.NumOps < 1 || cfg.NumOps > 16:
			return nil, a.Errorf("n", "%d, want 1..16", cfg.NumOps)
		case !(cfg.MagnitudeMax >= 0 && cfg.MagnitudeMax < 1e30):
			return nil, a.Errorf("mmax", "%g, want >= 0", cfg.MagnitudeMax)
		case !(cfg.Magnitude >= 0 && (cfg.Magnitude <= 10 || cfg.Magnitude <= cfg.MagnitudeMax)):
			return nil, a.Errorf("m", "%g, want 0..10 (or up to mmax)", cfg.Magnitude)
		case !(cfg.MagnitudeStd >= 0):
			return nil, a.Errorf("mstd", "%g, want >= 0", cfg.MagnitudeStd)
		case inc != 0 && inc != 1:
			return nil, a.Errorf("inc", "%d, want 0 or 1", inc)
		case !(cfg.Prob >= 0 && cfg.Prob <= 1):
			return nil, a.Errorf("p", "%g, want a probability in [0,1]", cfg.Prob)
		}
		cfg.Increasing = inc == 1
	}
	cfg.Interp = a.Interp("interp")
	return PerImage(NewRandAugment(cfg)), nil
}

// RandAugmentConfig is a parsed timm RandAugment spec.
type RandAugmentConfig struct {
	NumOps       int     // n: ops drawn per image (with replacement), default 2
	Magnitude    float64 // m: magnitude in [0, 10], default 10 (timm's default)
	MagnitudeStd float64 // mstd: Gaussian noise on the magnitude per op; +Inf = uniform in [0, m]
	MagnitudeMax float64 // mmax: upper clip of the noisy magnitude, default 10
	Increasing   bool    // inc: use the "increasing" op set (stronger with magnitude)
	Prob         float64 // p: probability each drawn op is applied, default 0.5

	// Interp is the filter of the geometric ops (not part of timm's string: timm
	// passes the training interpolation; randaug takes the geometry's unless told).
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
