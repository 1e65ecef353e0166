package train

import "math"

// Schedule is linear warmup from WarmupLR to PeakLR over Warmup steps, then cosine decay
// to MinLR at Total steps (timm's CosineLRScheduler with t_in_epochs=False semantics,
// evaluated per optimizer step so long runs have no per-epoch staircase).
type Schedule struct {
	PeakLR, MinLR, WarmupLR float64
	Warmup, Total           int64
}

// LR is the learning rate of optimizer step t (0-based: the lr used by the first step is LR(0)).
func (s Schedule) LR(t int64) float64 {
	if t < s.Warmup {
		return s.WarmupLR + (s.PeakLR-s.WarmupLR)*float64(t)/float64(s.Warmup)
	}
	decay := s.Total - s.Warmup
	if decay <= 0 || t >= s.Total {
		return s.MinLR
	}
	progress := float64(t-s.Warmup) / float64(decay)
	return s.MinLR + 0.5*(s.PeakLR-s.MinLR)*(1+math.Cos(math.Pi*progress))
}
