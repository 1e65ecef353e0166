package augment

import (
	"fmt"
	"math/rand/v2"
)

// MixPlan is a batch's Mixup/CutMix without the images, for a consumer that mixes them
// elsewhere (the step graph, on the device, from 8-bit pixels). Row i of the mixed batch is
//
//	x_i                                 where Partner[i] == i
//	Self[p]·x_i[p] + Other[p]·x_Partner[i][p]   elsewhere, per pixel p (all channels)
//
// which is what Mixer.Apply computes in place: Mixup has Self = λ and Other = 1 − λ
// everywhere (both rounded to float32 as Apply rounds them); CutMix has Self = 1, Other = 0
// outside the box and Self = 0, Other = 1 inside it.
type MixPlan struct {
	Partner     []int32   // batch entries
	Self, Other []float32 // h×w each, row-major
}

// Plan draws a batch's mixing exactly as Apply does (same draws from rng, same λ and soft
// targets) and returns it as a MixPlan instead of mixing images.
func (m *Mixer) Plan(labels []int32, valid, batch, h, w int, rng *rand.Rand) (targets []float32, lambda float64, plan MixPlan) {
	if batch <= 0 || h <= 0 || w <= 0 || len(labels) < batch {
		panic(fmt.Sprintf("augment: Mixer.Plan: %d labels do not fit batch %d of %d×%d", len(labels), batch, h, w))
	}
	valid = min(max(valid, 0), batch)
	plan = NoMixPlan(batch, h, w)
	lam, cutmix := m.params(rng)
	if lam != 1 && valid > 1 {
		// The middle row of an odd batch pairs with itself: Apply leaves it alone.
		for i := 0; i < valid/2; i++ {
			plan.Partner[i], plan.Partner[valid-1-i] = int32(valid-1-i), int32(i)
		}
		if cutmix {
			y0, y1, x0, x1 := CutmixBox(h, w, lam, rng)
			lam = 1 - float64((y1-y0)*(x1-x0))/float64(h*w)
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					plan.Self[y*w+x], plan.Other[y*w+x] = 0, 1
				}
			}
		} else {
			l, r := float32(lam), float32(1-lam)
			for p := range plan.Self {
				plan.Self[p], plan.Other[p] = l, r
			}
		}
	}
	return m.targets(labels, valid, batch, lam), lam, plan
}

// NoMixPlan is the plan of a batch left unmixed: every row its own partner.
func NoMixPlan(batch, h, w int) MixPlan {
	p := MixPlan{Partner: make([]int32, batch), Self: make([]float32, h*w), Other: make([]float32, h*w)}
	for i := range p.Partner {
		p.Partner[i] = int32(i)
	}
	for i := range p.Self {
		p.Self[i] = 1
	}
	return p
}
