package imagenet

import "math/rand/v2"

// Unreadable files during loading.
//
// Listing cannot know that a file is truncated or corrupt without decoding
// it, and decoding 1.28M files up front would cost an epoch. So a failure is
// handled where it happens, by substitution: the slot takes the next sample
// of the split (index+1, +2, … wrapping) that decodes, up to maxSubstitutes
// tries. Substitution depends only on which files are readable, so batches
// stay identical across worker counts; the substitute is augmented with the
// original slot's SampleRNG stream (restarted per try), and Batch.Indices
// names the sample actually used. Every failed attempt is counted in
// LoadStats, with the first few paths and errors: never silent, never fatal.
//
// Substitution keeps batch shapes static and the label distribution close
// to the original; zeroing the slot would feed the model a black image with
// a real label. Only when maxSubstitutes files in a row fail is the slot
// left zero with Indices -1 (so it is excluded from Valid); that is the one
// case where padding may sit before real samples. Evaluation sets
// LoaderConfig.NoSubstitute: there a failed slot is always masked, so each
// readable file is counted exactly once.
const maxSubstitutes = 16

// fill decodes and transforms slot sl into position j of b.
func (l *Loader) fill(b *Batch, j int, sl slot, epoch int) {
	n := len(l.split.Samples)
	t, dst := l.slotDst(b, j)
	tries := maxSubstitutes
	if l.cfg.NoSubstitute {
		tries = 1
	}
	for try := range tries {
		idx := (sl.sample + try) % n
		s := l.split.Samples[idx]
		newRNG := func() *rand.Rand { return SampleRNG(l.cfg.Seed, epoch, sl.rngIndex) }
		err := decodeApply(s.Path, t, l.cfg.MaxPixels, newRNG, dst)
		if err == nil {
			l.count(nil)
			b.Labels[j], b.Indices[j] = int32(s.Label), idx
			return
		}
		l.count(err)
		l.clearSlot(b, j) // a failed Transform may have written part of it
	}
	l.clearSlot(b, j)
	b.Labels[j], b.Indices[j] = 0, -1
}

func (l *Loader) count(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.stats.Decoded++
		return
	}
	l.stats.Failed++
	if len(l.stats.FailedExamples) < maxExamples {
		l.stats.FailedExamples = append(l.stats.FailedExamples, err.Error())
	}
	if l.cfg.RecordFailures {
		l.stats.FailedAll = append(l.stats.FailedAll, err.Error())
	}
}
