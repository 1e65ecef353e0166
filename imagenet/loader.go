package imagenet

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Transform turns one decoded image into h*w*3 float32 values (HWC) in dst.
// Randomness must come only from rng so that results are reproducible.
// Apply must not keep img: the loader recycles its pixel memory for the next decode.
// img is an *image.RGBA, or a JPEG's *image.YCbCr planes from either decoder
// (decode.Options.YCbCr: augment resamples the planes and converts only its output
// pixels); any other image.Image is allowed too.
type Transform interface {
	Size() (h, w int)
	Apply(img image.Image, rng *rand.Rand, dst []float32) error
}

// LoaderConfig configures a Loader.
type LoaderConfig struct {
	BatchSize int
	Workers   int // decode goroutines; <= 0 means runtime.NumCPU()
	Prefetch  int // batches decoded ahead of the consumer; <= 0 means 2
	Seed      uint64
	Shuffle   bool
	// ShardIndex of ShardCount: this process's part of every epoch (data
	// parallel training). Parts are disjoint and have equal step counts. For
	// listed files a part is every ShardCount-th sample of the epoch's order; for
	// packed shards it is every ShardCount-th tar file (loader_shards.go).
	ShardIndex, ShardCount int
	// ShuffleBuffer is the shuffle buffer, in samples, of a packed split
	// (<= 0: DefaultShuffleBuffer); listed files are permuted whole.
	ShuffleBuffer int
	// Repeats is DeiT-style repeated augmentation (timm's RepeatAugSampler):
	// each sample appears Repeats times per epoch, each copy with its own
	// augmentation stream. 0 or 1 means off.
	Repeats  int
	DropLast bool // drop the incomplete last batch instead of padding it
	// NoSubstitute masks the slot of an unreadable file (Indices -1) instead of filling it
	// with the next readable sample: evaluation must count every readable file once.
	NoSubstitute bool
	// RecordFailures keeps every failure in LoadStats.FailedAll (eval names them all; a
	// training loader would repeat them every epoch).
	RecordFailures bool
	// MaxPixels refuses, as an unreadable file, any image whose header claims more
	// pixels (<= 0: decode.DefaultMaxPixels); see decode.File.
	MaxPixels int64
	Transform Transform
	// Pixels fills Batch.Pixels (8-bit, before normalisation) instead of Batch.Images;
	// Transform must then be a PixelTransform (pixels.go).
	Pixels bool
}

// Batch is one batch of decoded, transformed samples.
//
// Ownership: every Batch has freshly allocated slices that the loader never
// touches again once sent, so the consumer may keep or reuse them freely.
type Batch struct {
	Images  []float32 // BatchSize*h*w*3, HWC per image; nil with LoaderConfig.Pixels
	Pixels  []uint8   // BatchSize*h*w*3, HWC RGB 0..255 per image, with LoaderConfig.Pixels; else nil
	Labels  []int32
	Indices []int // sample index in the split; -1 for padding
	// Valid is the number of real samples; they come first and the rest is
	// zero padding (Labels 0, Indices -1; zero pixels are not zero once normalised, so
	// padding is told by Indices, never by its content). See loader_failures.go for the one
	// exception.
	Valid       int
	Epoch, Step int
}

// LoadStats counts decoding outcomes since the loader was made.
type LoadStats struct {
	Decoded, Failed int
	FailedExamples  []string // first few "path: error"
	FailedAll       []string // every failure ("path: error"), with LoaderConfig.RecordFailures
}

// Loader turns a Split into deterministic batches.
type Loader struct {
	split    *Split
	cfg      LoaderConfig
	h, w     int
	limit    int // global positions used per epoch (after DropLast truncation)
	perShard int // positions per shard, padding included
	steps    int
	shards   *shardSource // packed split; nil for listed files

	mu    sync.Mutex
	stats LoadStats

	// bufs holds the image memory of batches handed back with Release, for newBatch: a
	// batch of 128 floats images at 224 px is 77 MB, and fresh memory costs page faults,
	// zeroing and garbage collection every time.
	bufs sync.Pool
}

// Release hands b's image memory (Images or Pixels) back to the loader for later batches.
// Call it once nothing reads the batch any more (the consumer copied it into a tensor);
// b must not be used afterwards. Not calling it is always correct, only slower.
func (l *Loader) Release(b Batch) {
	switch {
	case b.Images != nil && !l.cfg.Pixels && len(b.Images) == l.cfg.BatchSize*l.h*l.w*3:
		l.bufs.Put(&b.Images)
	case b.Pixels != nil && l.cfg.Pixels && len(b.Pixels) == l.cfg.BatchSize*l.h*l.w*3:
		l.bufs.Put(&b.Pixels)
	}
}

// NewLoader validates cfg and prepares a loader over split.
func NewLoader(split *Split, cfg LoaderConfig) (*Loader, error) {
	if split == nil || split.Len() == 0 {
		return nil, errors.New("imagenet: NewLoader: empty split")
	}
	if cfg.BatchSize < 1 {
		return nil, fmt.Errorf("imagenet: NewLoader: BatchSize %d < 1", cfg.BatchSize)
	}
	if cfg.Transform == nil {
		return nil, errors.New("imagenet: NewLoader: nil Transform")
	}
	if cfg.Pixels {
		if err := checkPixelTransform(cfg.Transform); err != nil {
			return nil, err
		}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.Prefetch <= 0 {
		cfg.Prefetch = 2
	}
	if cfg.ShardCount <= 0 {
		cfg.ShardCount = 1
	}
	if cfg.ShardIndex < 0 || cfg.ShardIndex >= cfg.ShardCount {
		return nil, fmt.Errorf("imagenet: NewLoader: ShardIndex %d not in [0,%d)", cfg.ShardIndex, cfg.ShardCount)
	}
	if cfg.Repeats <= 0 {
		cfg.Repeats = 1
	}
	l := &Loader{split: split, cfg: cfg}
	l.h, l.w = cfg.Transform.Size()
	if l.h <= 0 || l.w <= 0 {
		return nil, fmt.Errorf("imagenet: NewLoader: Transform size %dx%d", l.h, l.w)
	}
	total := split.Len() * cfg.Repeats
	S, B := cfg.ShardCount, cfg.BatchSize
	if len(split.Shards) > 0 {
		// Each process reads whole files, so parts differ in size: all take the
		// smallest part's steps (DropLast) or pad to the largest's.
		var counts []int
		var err error
		if l.shards, counts, err = newShardSource(split, cfg); err != nil {
			return nil, err
		}
		lo, hi := counts[0], counts[0]
		for _, c := range counts {
			lo, hi = min(lo, c), max(hi, c)
		}
		if cfg.DropLast {
			l.perShard = lo * cfg.Repeats
			l.steps = l.perShard / B
		} else {
			l.perShard = hi * cfg.Repeats
			l.steps = (l.perShard + B - 1) / B
		}
		l.limit = l.perShard * S
	} else if cfg.DropLast {
		l.limit = total / S * S
		l.perShard = l.limit / S
		l.steps = l.perShard / B
	} else {
		l.limit = total
		l.perShard = (total + S - 1) / S
		l.steps = (l.perShard + B - 1) / B
	}
	if l.steps == 0 {
		return nil, fmt.Errorf("imagenet: NewLoader: %d samples x %d repeats over %d shards give no full batch of %d (DropLast)",
			split.Len(), cfg.Repeats, S, B)
	}
	return l, nil
}

// StepsPerEpoch is the number of batches Epoch yields from step 0; it is the
// same for every shard.
func (l *Loader) StepsPerEpoch() int { return l.steps }

// Workers and Prefetch are the resolved decode goroutines and batches decoded ahead.
func (l *Loader) Workers() int  { return l.cfg.Workers }
func (l *Loader) Prefetch() int { return l.cfg.Prefetch }

// Stats returns a copy of the cumulative decode counters.
func (l *Loader) Stats() LoadStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.FailedExamples = append([]string(nil), s.FailedExamples...)
	s.FailedAll = append([]string(nil), s.FailedAll...)
	return s
}

// slot is one position of an epoch: which sample, and which augmentation
// stream (SampleRNG index). sample < 0 is padding.
type slot struct{ sample, rngIndex int }

// slotAt maps this shard's position j of an epoch to a slot.
//
// The epoch is the permutation with each entry repeated Repeats times in a
// row ([a a a b b b …], as timm's RepeatAugSampler), cut to l.limit. Shard k
// takes global positions k, k+S, k+2S, … (strided, like torch's
// DistributedSampler), so the copies of a repeated sample land on different
// shards and positions past the end — padding — come last in every shard.
func (l *Loader) slotAt(perm []int, j int) slot {
	g := l.cfg.ShardIndex + j*l.cfg.ShardCount
	if j >= l.perShard || g >= l.limit {
		return slot{-1, -1}
	}
	r := l.cfg.Repeats
	i := g / r
	if perm != nil {
		i = perm[i]
	}
	return slot{i, i*r + g%r}
}

func (l *Loader) perm(epoch int) []int {
	if !l.cfg.Shuffle {
		return nil
	}
	return epochPerm(l.cfg.Seed, epoch, len(l.split.Samples))
}

// job is one sample for a decode worker: fill writes it into its batch slot; wg counts the
// batch's slots still being filled.
type job struct {
	fill func()
	wg   *sync.WaitGroup
}

// startWorkers runs n decode workers over tasks until it is closed; after ctx is cancelled
// they only release their jobs.
func startWorkers(ctx context.Context, n int, tasks <-chan job) {
	for range n {
		go func() {
			for t := range tasks {
				if ctx.Err() == nil {
					t.fill()
				}
				t.wg.Done()
			}
		}()
	}
}

type pending struct {
	b  *Batch
	wg *sync.WaitGroup
}

// Epoch streams the batches of one epoch from startStep on, in order, on
// the returned channel, which is closed at the end of the epoch or soon
// after ctx is cancelled (a consumer that stops early must cancel ctx so the
// goroutines end). Workers goroutines decode up to Prefetch batches ahead of
// the consumer, so about Prefetch+2 batches are in memory at once. A resumed run passes the step it stopped
// at and gets exactly the batches it would have seen.
func (l *Loader) Epoch(ctx context.Context, epoch, startStep int) <-chan Batch {
	if l.shards != nil {
		return l.shardEpoch(ctx, epoch, startStep)
	}
	out := make(chan Batch)
	B := l.cfg.BatchSize
	perm := l.perm(epoch)
	tasks := make(chan job, B*l.cfg.Prefetch)
	pend := make(chan pending, l.cfg.Prefetch)
	startWorkers(ctx, l.cfg.Workers, tasks)
	go func() { // dispatcher: plans batches in order
		defer close(pend)
		defer close(tasks)
		for step := max(startStep, 0); step < l.steps; step++ {
			b := l.newBatch(epoch, step)
			wg := new(sync.WaitGroup)
			wg.Add(B)
			select {
			case pend <- pending{b, wg}:
			case <-ctx.Done():
				return
			}
			for j := range B {
				sl := l.slotAt(perm, step*B+j)
				if sl.sample < 0 {
					b.Indices[j] = -1
					l.clearSlot(b, j)
					wg.Done()
					continue
				}
				if !queue(ctx, tasks, job{func() { l.fill(b, j, sl, epoch) }, wg}, B-j) {
					return
				}
			}
		}
	}()
	go emitInOrder(ctx, pend, out)
	return out
}

// queue hands one slot's job to the workers. When ctx ends first the batch is never sent:
// queue releases the emitter's wait for the left slots (this one and the rest of the
// batch) and reports false.
func queue(ctx context.Context, tasks chan<- job, jb job, left int) bool {
	select {
	case tasks <- jb:
		return true
	case <-ctx.Done():
		abandon(jb.wg, left)
		return false
	}
}

// abandon marks n slots of a batch that will never be sent as done.
func abandon(wg *sync.WaitGroup, n int) {
	for range n {
		wg.Done()
	}
}

// emitInOrder hands each pending batch to out once its workers are done, in dispatch order,
// counting its valid slots; it closes out at the end. After ctx is cancelled it keeps
// draining pend, so the dispatcher and the workers can finish.
func emitInOrder(ctx context.Context, pend <-chan pending, out chan<- Batch) {
	defer close(out)
	for p := range pend {
		p.wg.Wait()
		if ctx.Err() != nil {
			continue
		}
		for _, ix := range p.b.Indices {
			if ix >= 0 {
				p.b.Valid++
			}
		}
		select {
		case out <- *p.b:
		case <-ctx.Done():
		}
	}
}

func (l *Loader) newBatch(epoch, step int) *Batch {
	B := l.cfg.BatchSize
	b := &Batch{
		Labels:  make([]int32, B),
		Indices: make([]int, B),
		Epoch:   epoch,
		Step:    step,
	}
	// Recycled memory holds an earlier batch: every slot is rewritten, by its transform,
	// or by clearSlot where it stays empty (padding, unreadable files).
	switch r := l.bufs.Get().(type) {
	case *[]uint8:
		b.Pixels = *r
	case *[]float32:
		b.Images = *r
	case nil:
		if l.cfg.Pixels {
			b.Pixels = make([]uint8, B*l.h*l.w*3)
		} else {
			b.Images = make([]float32, B*l.h*l.w*3)
		}
	}
	return b
}
