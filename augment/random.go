package augment

import (
	"math"
	"math/rand/v2"
)

// Gamma draws from Gamma(shape, 1) with Marsaglia and Tsang's method
// ("A simple method for generating gamma variables", 2000). For shape < 1 it
// uses the boost Gamma(shape+1)·U^(1/shape). math/rand/v2 has no gamma, and
// we need one for Beta and must draw from the caller's seeded rng.
func Gamma(shape float64, rng *rand.Rand) float64 {
	if !(shape > 0) {
		return 0
	}
	if shape < 1 {
		u := rng.Float64()
		for u == 0 {
			u = rng.Float64()
		}
		return Gamma(shape+1, rng) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		var x, v float64
		for {
			x = rng.NormFloat64()
			v = 1 + c*x
			if v > 0 {
				break
			}
		}
		v = v * v * v
		u := rng.Float64()
		x2 := x * x
		if u < 1-0.0331*x2*x2 {
			return d * v
		}
		if u > 0 && math.Log(u) < 0.5*x2+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// Beta draws from Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b).
func Beta(a, b float64, rng *rand.Rand) float64 {
	for {
		x := Gamma(a, rng)
		y := Gamma(b, rng)
		if s := x + y; s > 0 {
			return x / s
		}
	}
}
