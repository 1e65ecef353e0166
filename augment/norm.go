package augment

func init() {
	Register("normalise", buildNormalise)
	Register("normalize", buildNormalise) // torchvision's spelling, so either is accepted
}

// buildNormalise: normalise(mean=(0.485,0.456,0.406), std=(0.229,0.224,0.225)), on the
// [0,1] scale: (v/255 - mean) / std. The ImageNet defaults are also what a spec without
// normalise gets.
func buildNormalise(a *Args) (Op, error) {
	mean := a.RGB("mean", ImageNetMean)
	std := a.RGB("std", ImageNetStd)
	for c, s := range std {
		if !(s > 0) || s > 1e30 {
			return nil, a.Errorf("std", "element %d is %g, want > 0", c+1, s)
		}
	}
	for c, m := range mean {
		if m != m || m > 1e30 || m < -1e30 {
			return nil, a.Errorf("mean", "element %d is %g, want a finite number", c+1, m)
		}
	}
	return normaliseStage{mean: mean, std: std}, nil
}
