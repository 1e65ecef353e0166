package imagenet

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Reading packed shards (see shards.go): streaming, deterministic, resumable.
//
// Each process of a multi-host run (LoaderConfig.ShardIndex of ShardCount) owns the tar
// files i with i % ShardCount == ShardIndex, for every epoch. An epoch reads them in an
// order shuffled by (Seed, epoch), each file sequentially from start to end, through a
// shuffle buffer of ShuffleBuffer samples (WebDataset's: once full, each newly read
// sample takes the place of a randomly chosen one, which is emitted). The buffer draws
// come from the same (Seed, epoch) generator and depend only on the index's counts, never
// on data, so the whole epoch order is computed up front (shardPlan) and the reader only
// has to deliver the bytes: batches are identical whatever the number of workers, and a
// run resumed at step s sees exactly the samples it would have seen (the reader walks the
// epoch's files again, keeping only the samples still to come, and skips files holding
// none). A sample's augmentation stream is SampleRNG(Seed, epoch, id·Repeats + copy),
// with id its position in the packed split (its member name), so it is the same whatever
// the shard order, buffer or host. Memory: at most ShuffleBuffer + one batch of encoded
// images wait between the reader and the decode workers.
//
// Repeated augmentation (Repeats > 1) emits each sample Repeats times in a row. An
// unreadable member (corrupt JPEG, bad label, truncated tar) is counted in Stats like an
// unreadable file, and its slot is masked (Indices -1), in training too: there is no
// random access to substitute another sample, and Pack has already checked every image.

// DefaultShuffleBuffer is the shuffle buffer used when LoaderConfig.ShuffleBuffer <= 0:
// about 100 MB of ImageNet JPEGs packed at max side 320.
const DefaultShuffleBuffer = 2048

// shardOrderStream tags the PCG stream of an epoch's shard order and buffer draws.
const shardOrderStream = 0x5348415244535452

// shardSource is a Loader's part of a packed split.
type shardSource struct {
	files []ShardFile // this process's files, in index order
	n     int         // samples in them
}

func newShardSource(split *Split, cfg LoaderConfig) (*shardSource, []int, error) {
	S := cfg.ShardCount
	if len(split.Shards) < S {
		return nil, nil, fmt.Errorf("imagenet: NewLoader: %d shard files for %d processes (data.shard_count): pack smaller shards (--shard-mb)", len(split.Shards), S)
	}
	counts := make([]int, S)
	src := &shardSource{}
	for i, f := range split.Shards {
		counts[i%S] += f.Count
		if i%S == cfg.ShardIndex {
			src.files = append(src.files, f)
			src.n += f.Count
		}
	}
	return src, counts, nil
}

// shardPlan is the order in which a shuffle buffer of k samples emits the samples read
// in order 0 … n-1 (rng nil: read order).
func shardPlan(n, k int, rng *rand.Rand) []int32 {
	out := make([]int32, 0, n)
	if rng == nil || k <= 1 {
		for i := range n {
			out = append(out, int32(i))
		}
		return out
	}
	buf := make([]int32, 0, k)
	for i := range n {
		if len(buf) < k {
			buf = append(buf, int32(i))
			continue
		}
		j := rng.IntN(k)
		out = append(out, buf[j])
		buf[j] = int32(i)
	}
	rng.Shuffle(len(buf), func(i, j int) { buf[i], buf[j] = buf[j], buf[i] })
	return append(out, buf...)
}

// shardEpochPlan is an epoch's file order and emission order (of read ordinals).
type shardEpochPlan struct {
	files []ShardFile // read order
	first []int       // read ordinal of each file's first sample
	emit  []int32     // emit[q] = read ordinal of the q-th sample emitted
	pos   []int32     // inverse of emit
}

func (l *Loader) shardEpochPlan(epoch int) *shardEpochPlan {
	src := l.shards
	p := &shardEpochPlan{files: append([]ShardFile(nil), src.files...)}
	var rng *rand.Rand
	if l.cfg.Shuffle {
		rng = rand.New(rand.NewPCG(epochKey(l.cfg.Seed, epoch), shardOrderStream))
		rng.Shuffle(len(p.files), func(i, j int) { p.files[i], p.files[j] = p.files[j], p.files[i] })
	}
	o := 0
	for _, f := range p.files {
		p.first = append(p.first, o)
		o += f.Count
	}
	p.emit = shardPlan(src.n, l.shuffleBuffer(), rng)
	p.pos = make([]int32, len(p.emit))
	for q, o := range p.emit {
		p.pos[o] = int32(q)
	}
	return p
}

func (l *Loader) shuffleBuffer() int {
	if l.cfg.ShuffleBuffer > 0 {
		return l.cfg.ShuffleBuffer
	}
	return DefaultShuffleBuffer
}

// shardItem is one sample read from a shard.
type shardItem struct {
	name  string // shard.tar:key.jpg, for errors
	id    int
	data  []byte
	label int
	err   error
}

// shardStore hands items from the reader to the dispatcher.
type shardStore struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  map[int32]*shardItem
	want   int // emission index the dispatcher waits for
	ahead  int // the reader may read ordinals < want + ahead
	done   bool
	closed bool
}

func (s *shardStore) put(o int32, it *shardItem) {
	s.mu.Lock()
	s.items[o] = it
	s.mu.Unlock()
	s.cond.Broadcast()
}

// waitRead blocks the reader until ordinal o may be read; false when the epoch is over.
func (s *shardStore) waitRead(o int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.closed && o >= s.want+s.ahead {
		s.cond.Wait()
	}
	return !s.closed
}

// get waits for ordinal o, emitted at q; nil when the epoch was cancelled.
func (s *shardStore) get(q int, o int32) *shardItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.want = q
	s.cond.Broadcast()
	for {
		if it, ok := s.items[o]; ok {
			delete(s.items, o)
			return it
		}
		if s.closed {
			return nil
		}
		if s.done {
			return &shardItem{err: errors.New("imagenet: shard reader ended before this sample (a bug)")}
		}
		s.cond.Wait()
	}
}

func (s *shardStore) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cond.Broadcast()
}

// shardEpoch is Epoch for a packed split.
func (l *Loader) shardEpoch(ctx context.Context, epoch, startStep int) <-chan Batch {
	out := make(chan Batch)
	B, R := l.cfg.BatchSize, l.cfg.Repeats
	plan := l.shardEpochPlan(epoch)
	startStep = max(startStep, 0)
	used := l.steps * B // positions this process consumes
	real := l.shards.n * R
	startPos := startStep * B
	needed := func(o int) bool {
		first := int(plan.pos[o]) * R
		return first+R-1 >= startPos && first < used && first < real
	}
	// The sample emitted q-th was read before ordinal q + buffer (shardPlan), so a reader
	// kept within buffer + one batch of the dispatcher never blocks it.
	st := &shardStore{items: map[int32]*shardItem{}, ahead: l.shuffleBuffer() + B, want: startPos / R}
	st.cond = sync.NewCond(&st.mu)
	stop := context.AfterFunc(ctx, st.close)
	go func() {
		l.readShards(plan, st, needed)
		st.mu.Lock()
		st.done = true
		st.mu.Unlock()
		st.cond.Broadcast()
	}()

	tasks := make(chan job, B*l.cfg.Prefetch)
	pend := make(chan pending, l.cfg.Prefetch)
	startWorkers(ctx, l.cfg.Workers, tasks)
	go func() { // dispatcher
		defer close(pend)
		defer close(tasks)
		defer stop()
		defer st.close()
		curQ := -1
		var cur *shardItem
		for step := startStep; step < l.steps; step++ {
			b := l.newBatch(epoch, step)
			wg := new(sync.WaitGroup)
			wg.Add(B)
			select {
			case pend <- pending{b, wg}:
			case <-ctx.Done():
				return
			}
			for j := range B {
				p := step*B + j
				if p >= real {
					b.Indices[j] = -1
					l.clearSlot(b, j)
					wg.Done()
					continue
				}
				if q := p / R; q != curQ {
					curQ, cur = q, st.get(q, plan.emit[q])
				}
				if cur == nil { // cancelled
					abandon(wg, B-j)
					return
				}
				if cur.err != nil {
					l.count(cur.err)
					b.Indices[j] = -1
					l.clearSlot(b, j)
					wg.Done()
					continue
				}
				it, rngIndex := cur, cur.id*R+p%R
				if !queue(ctx, tasks, job{func() { l.fillShard(b, j, it, rngIndex, epoch) }, wg}, B-j) {
					return
				}
			}
		}
	}()
	go emitInOrder(ctx, pend, out)
	return out
}

// fillShard decodes and transforms one shard sample into position j of b.
func (l *Loader) fillShard(b *Batch, j int, it *shardItem, rngIndex, epoch int) {
	t, dst := l.slotDst(b, j)
	newRNG := func() *rand.Rand { return SampleRNG(l.cfg.Seed, epoch, rngIndex) }
	if err := decodeApplyBytes(it.name, it.data, t, l.cfg.MaxPixels, newRNG, dst); err != nil {
		l.count(err)
		l.clearSlot(b, j)
		b.Labels[j], b.Indices[j] = 0, -1
		return
	}
	l.count(nil)
	b.Labels[j], b.Indices[j] = int32(it.label), it.id
}

// readShards reads the epoch's files in order and puts every needed sample in st.
func (l *Loader) readShards(plan *shardEpochPlan, st *shardStore, needed func(o int) bool) {
	for i, f := range plan.files {
		first := plan.first[i]
		some := false
		for m := range f.Count {
			if needed(first + m) {
				some = true
				break
			}
		}
		if !some {
			continue
		}
		if !readShard(f, first, st, needed) {
			return
		}
	}
}

// imageExts are the member extensions taken as the image of a sample.
var memberImageExts = map[string]bool{"jpg": true, "jpeg": true, "png": true, "gif": true}

// readShard reads one tar file; false when the epoch is over.
func readShard(f ShardFile, first int, st *shardStore, needed func(o int) bool) bool {
	base := filepath.Base(f.File)
	m := 0 // samples delivered from this file
	deliver := func(it *shardItem) bool {
		o := first + m
		m++
		if !st.waitRead(o) {
			return false
		}
		if needed(o) {
			st.put(int32(o), it)
		}
		return true
	}
	// fail marks every sample not yet delivered as unreadable.
	fail := func(err error) bool {
		for m < f.Count {
			id := f.Start + m
			if !deliver(&shardItem{name: fmt.Sprintf("%s:%06d", base, id), id: id, err: fmt.Errorf("imagenet: shard %s, sample %d of %d: %w", f.File, m+1, f.Count, err)}) {
				return false
			}
		}
		return true
	}
	fh, err := os.Open(f.File)
	if err != nil {
		return fail(err)
	}
	defer fh.Close()
	tr := tar.NewReader(bufio.NewReaderSize(fh, 1<<20))
	var key string
	var cur *shardItem
	finish := func() bool { // deliver the sample being assembled
		if cur == nil {
			return true
		}
		it := cur
		cur = nil
		if it.err == nil && it.data == nil {
			it.err = fmt.Errorf("imagenet: shard %s: sample %s has no image member", f.File, key)
		}
		if it.err == nil && it.label < 0 {
			it.err = fmt.Errorf("imagenet: shard %s: sample %s has no .cls member", f.File, key)
		}
		return deliver(it)
	}
	for m < f.Count {
		hdr, err := tr.Next()
		if err == io.EOF {
			if !finish() {
				return false
			}
			if m < f.Count {
				return fail(fmt.Errorf("the file ends after %d samples", m))
			}
			return true
		}
		if err != nil {
			if !finish() {
				return false
			}
			return fail(err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Base(hdr.Name)
		k, ext, _ := strings.Cut(name, ".")
		if k != key || cur == nil {
			if !finish() {
				return false
			}
			if m >= f.Count {
				break
			}
			key = k
			id := f.Start + m
			cur = &shardItem{name: fmt.Sprintf("%s:%s", base, name), id: id, label: -1}
			if !needed(first + m) {
				cur.data = []byte{} // not read; only counted
				cur.label = 0
			}
		}
		if !needed(first + m) {
			continue
		}
		switch {
		case memberImageExts[strings.ToLower(ext)]:
			cur.name = base + ":" + name
			if cur.data, err = readMember(tr, hdr.Size); err != nil {
				cur.err = fmt.Errorf("imagenet: shard %s: %s: %w", f.File, name, err)
			}
		case ext == "cls":
			b, err := io.ReadAll(io.LimitReader(tr, 32))
			if err == nil {
				cur.label, err = strconv.Atoi(strings.TrimSpace(string(b)))
			}
			if err != nil || cur.label < 0 {
				cur.label = 0
				cur.err = fmt.Errorf("imagenet: shard %s: %s: bad class %q", f.File, name, b)
			}
		}
	}
	return finish()
}

// maxMemberBytes bounds what one shard member may claim: far above any image
// (decode.DefaultMaxPixels as an uncompressed RGBA file is 716 MB), so only a corrupt
// header reaches it.
const maxMemberBytes = 1 << 30

// readMember reads a tar member of the size its header gives in one allocation
// (io.ReadAll grows its buffer by doubling: ~7 allocations and copies for a 50 KB JPEG,
// 4.9% of a shard-training profile).
func readMember(r io.Reader, size int64) ([]byte, error) {
	if size < 0 || size > maxMemberBytes {
		return nil, fmt.Errorf("member header claims %d bytes", size)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}
