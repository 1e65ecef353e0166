package augment

import (
	"fmt"
	"math/rand/v2"
)

// MixPlan is the part of a batch's Mixup that is left to the consumer of 8-bit pixels (the
// step graph, after normalising): row i of the batch becomes
//
//	Self·x_i + Other·x_Partner[i]
//
// on the normalised floats. Mixup pairs rows with Self = λ and Other = 1 − λ (rounded to
// float32 as Apply rounds them); a batch that is not mixed this way (CutMix, done on the
// bytes by ApplyPixels, or no mixing) has every row its own partner, Self 1 and Other 0,
// which leave every float as it is.
type MixPlan struct {
	Partner     []int32 // batch entries
	Self, Other float32
}

// NoMixPlan is the plan of a batch left as it is: every row its own partner.
func NoMixPlan(batch int) MixPlan {
	p := MixPlan{Partner: make([]int32, batch), Self: 1}
	for i := range p.Partner {
		p.Partner[i] = int32(i)
	}
	return p
}

// ApplyPixels is Apply for a batch of 8-bit pixels (HWC, 3 channels), with the same draws
// from rng, the same λ and soft targets. CutMix only moves pixels, so it is done here, on
// the bytes: normalising afterwards gives Apply's floats exactly. Mixup blends, which 8 bits
// cannot hold, so it is returned as a MixPlan for the graph; the bytes are left alone.
func (m *Mixer) ApplyPixels(pixels []uint8, labels []int32, valid, batch, h, w int, rng *rand.Rand) (targets []float32, lambda float64, plan MixPlan) {
	if batch <= 0 || h <= 0 || w <= 0 || len(pixels) != batch*h*w*3 || len(labels) < batch {
		panic(fmt.Sprintf("augment: Mixer.ApplyPixels: %d bytes / %d labels do not fit batch %d of %d×%d×3", len(pixels), len(labels), batch, h, w))
	}
	valid = min(max(valid, 0), batch)
	plan = NoMixPlan(batch)
	lam, cutmix := m.params(rng)
	if lam != 1 && valid > 1 {
		if cutmix {
			lam = cutmixSwap(pixels, valid, h, w, 3, lam, rng)
		} else {
			// The middle row of an odd batch pairs with itself, as in Apply, which leaves it
			// alone; here it becomes λ·x + (1−λ)·x, x within float32 rounding.
			for i := 0; i < valid/2; i++ {
				plan.Partner[i], plan.Partner[valid-1-i] = int32(valid-1-i), int32(i)
			}
			plan.Self, plan.Other = float32(lam), float32(1-lam)
		}
	}
	return m.targets(labels, valid, batch, lam), lam, plan
}
