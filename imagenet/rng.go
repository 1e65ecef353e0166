package imagenet

import "math/rand/v2"

// mix64 is the SplitMix64 finaliser: a bijective scramble so nearby seeds and
// epochs give unrelated streams.
func mix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// epochKey combines the run seed and the epoch into one PCG seed word.
func epochKey(seed uint64, epoch int) uint64 {
	return mix64(seed ^ mix64(uint64(int64(epoch))))
}

// SampleRNG is the generator for one sample's augmentation in one epoch:
// PCG seeded by (mix(seed, epoch), index). index is the sample's index in
// the split, or sample*Repeats+copy under repeated augmentation. Because it
// depends on nothing else, batches are identical whatever the number of
// workers, and any single image's augmentation can be reproduced offline.
func SampleRNG(seed uint64, epoch, index int) *rand.Rand {
	return rand.New(rand.NewPCG(epochKey(seed, epoch), uint64(index)))
}

// shuffleStream tags the per-epoch permutation's PCG stream. Sample streams
// use small indices as their second word; this constant keeps the shuffle
// stream apart from them.
const shuffleStream = 0xD1B54A32D192ED03

// epochPerm is the epoch's permutation of n samples, seeded by (seed, epoch).
func epochPerm(seed uint64, epoch, n int) []int {
	return rand.New(rand.NewPCG(epochKey(seed, epoch), shuffleStream)).Perm(n)
}
