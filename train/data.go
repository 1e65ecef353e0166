package train

import (
	"math/rand/v2"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/imagenet/decode"
)

// subset keeps a seeded random subset of n samples (n <= 0 keeps all), in the split's order.
// Of packed shards it keeps the first n, which Pack's shuffle already made a random subset
// (the same whatever the seed).
func subset(split *imagenet.Split, n int, seed uint64) *imagenet.Split {
	if split == nil || n <= 0 || n >= split.Len() {
		return split
	}
	if len(split.Shards) > 0 {
		return split.Head(n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eb5e7))
	keep := rng.Perm(len(split.Samples))[:n]
	mark := make([]bool, len(split.Samples))
	for _, i := range keep {
		mark[i] = true
	}
	out := *split
	out.Samples = nil
	for i, s := range split.Samples {
		if mark[i] {
			out.Samples = append(out.Samples, s)
		}
	}
	return &out
}

// mixSeed salts the per-step Mixup/CutMix generator away from the per-image ones.
const mixSeed = 0x6d69787570

// maxPixels is data.max_pixels with its default filled in.
func maxPixels(cfg configs.Config) int64 {
	if cfg.Data.MaxPixels > 0 {
		return cfg.Data.MaxPixels
	}
	return decode.DefaultMaxPixels
}

// The loader decodes JPEGs at reduced scale for these transforms (imagenet/loader_decode.go).
var (
	_ imagenet.CropPlanner  = (*augment.Train)(nil)
	_ imagenet.DecodeHinter = (*augment.Eval)(nil)
)

// shuffleBuffer is data.shuffle_buffer with its default filled in.
func shuffleBuffer(cfg configs.Config) int {
	if cfg.Data.ShuffleBuffer > 0 {
		return cfg.Data.ShuffleBuffer
	}
	return imagenet.DefaultShuffleBuffer
}
