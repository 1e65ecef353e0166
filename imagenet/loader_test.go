package imagenet

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tfvision/tfvision/internal/hostile"
)

// collect runs one epoch to the end.
func collect(t *testing.T, l *Loader, epoch, start int) []Batch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []Batch
	for b := range l.Epoch(ctx, epoch, start) {
		out = append(out, b)
	}
	if ctx.Err() != nil {
		t.Fatal("epoch timed out")
	}
	return out
}

func mustLoader(t *testing.T, sp *Split, cfg LoaderConfig) *Loader {
	t.Helper()
	l, err := NewLoader(sp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// checkContent verifies that every real slot holds the image and label of
// the sample named in Indices, and every padding slot is zero.
func checkContent(t *testing.T, b Batch, sp *Split, classes int) {
	t.Helper()
	size := 4 * 4 * 3
	for j, ix := range b.Indices {
		img := b.Images[j*size : (j+1)*size]
		if ix < 0 {
			for _, v := range img {
				if v != 0 {
					t.Fatalf("step %d slot %d: padding not zero", b.Step, j)
				}
			}
			if b.Labels[j] != 0 {
				t.Fatalf("padding label %d", b.Labels[j])
			}
			continue
		}
		c := indexColor(ix)
		if math.Abs(float64(img[0])-float64(c.R)/255) > 4.0/255 || math.Abs(float64(img[1])-float64(c.G)/255) > 4.0/255 {
			t.Fatalf("step %d slot %d: pixel (%.3f,%.3f) is not sample %d's colour %v", b.Step, j, img[0], img[1], ix, c)
		}
		if int(b.Labels[j]) != sp.Samples[ix].Label || sp.Samples[ix].Label != ix%classes {
			t.Fatalf("slot %d: label %d for sample %d", j, b.Labels[j], ix)
		}
	}
}

func TestStepsPerEpoch(t *testing.T) {
	sp := &Split{Samples: make([]Sample, 23)}
	cases := []struct {
		B, S, R  int
		dropLast bool
		want     int
	}{
		{4, 1, 1, false, 6},
		{4, 1, 1, true, 5},
		{4, 3, 1, false, 2}, // 8 per shard, last shard padded
		{4, 3, 1, true, 1},  // 21 used, 7 per shard
		{4, 1, 3, false, 18},
		{5, 2, 3, true, 6}, // 69 → 68, 34 per shard
		{23, 1, 1, true, 1},
	}
	for _, c := range cases {
		for k := range c.S {
			l := mustLoader(t, sp, LoaderConfig{BatchSize: c.B, ShardIndex: k, ShardCount: c.S, Repeats: c.R, DropLast: c.dropLast, Transform: nearestTransform{h: 4, w: 4}})
			if got := l.StepsPerEpoch(); got != c.want {
				t.Errorf("%+v shard %d: %d steps; want %d", c, k, got, c.want)
			}
		}
	}
	if _, err := NewLoader(sp, LoaderConfig{BatchSize: 24, DropLast: true, Transform: nearestTransform{h: 4, w: 4}}); err == nil {
		t.Error("no full batch with DropLast accepted")
	}
	for _, bad := range []LoaderConfig{{BatchSize: 0, Transform: nearestTransform{h: 4, w: 4}}, {BatchSize: 1}, {BatchSize: 1, ShardIndex: 2, ShardCount: 2, Transform: nearestTransform{h: 4, w: 4}}} {
		if _, err := NewLoader(sp, bad); err == nil {
			t.Errorf("config %+v accepted", bad)
		}
	}
}

func TestLoaderDeterministicAcrossWorkers(t *testing.T) {
	sp := flatSplit(t, t.TempDir(), 23, 5)
	run := func(workers, prefetch int, seed uint64, epoch int) []Batch {
		return collect(t, mustLoader(t, sp, LoaderConfig{BatchSize: 4, Workers: workers, Prefetch: prefetch, Seed: seed, Shuffle: true,
			Repeats: 2, Transform: nearestTransform{h: 4, w: 4, jitter: true}}), epoch, 0)
	}
	a := run(1, 1, 7, 0)
	if len(a) != 12 {
		t.Fatalf("%d batches; want 12", len(a))
	}
	if b := run(4, 3, 7, 0); !reflect.DeepEqual(a, b) {
		t.Fatal("Workers 1 and 4 gave different batches")
	}
	if c := run(4, 1, 8, 0); reflect.DeepEqual(a[0].Indices, c[0].Indices) && reflect.DeepEqual(a[1].Indices, c[1].Indices) {
		t.Error("seed 7 and 8 gave the same order")
	}
	e1 := run(2, 2, 7, 1)
	if reflect.DeepEqual(a[0].Indices, e1[0].Indices) && reflect.DeepEqual(a[1].Indices, e1[1].Indices) {
		t.Error("epochs 0 and 1 gave the same order")
	}
	for i, b := range e1 {
		if b.Epoch != 1 || b.Step != i {
			t.Errorf("batch %d: epoch %d step %d", i, b.Epoch, b.Step)
		}
	}
	// Resume mid-epoch: the same batches as an uninterrupted run.
	if r := collect(t, mustLoader(t, sp, LoaderConfig{BatchSize: 4, Workers: 3, Seed: 7, Shuffle: true, Repeats: 2,
		Transform: nearestTransform{h: 4, w: 4, jitter: true}}), 0, 5); !reflect.DeepEqual(r, a[5:]) {
		t.Error("resuming at step 5 gave different batches")
	}
}

func TestLoaderShardsDisjointAndCover(t *testing.T) {
	sp := flatSplit(t, t.TempDir(), 23, 5)
	for _, dropLast := range []bool{false, true} {
		seen := map[int]int{}
		steps := -1
		for k := range 3 {
			l := mustLoader(t, sp, LoaderConfig{BatchSize: 4, Workers: 2, Seed: 3, Shuffle: true, ShardIndex: k, ShardCount: 3, DropLast: dropLast,
				Transform: nearestTransform{h: 4, w: 4}})
			bs := collect(t, l, 0, 0)
			if steps >= 0 && len(bs) != steps {
				t.Errorf("shard %d: %d steps, others %d", k, len(bs), steps)
			}
			steps = len(bs)
			for _, b := range bs {
				checkContent(t, b, sp, 5)
				for j, ix := range b.Indices {
					if ix >= 0 {
						seen[ix]++
						if j >= b.Valid {
							t.Errorf("real sample after padding in shard %d", k)
						}
					}
				}
			}
		}
		want := 23
		if dropLast {
			want = 12 // 21 positions, 7 per shard, one full batch of 4 each
		}
		if len(seen) != want {
			t.Errorf("dropLast=%v: %d distinct samples; want %d", dropLast, len(seen), want)
		}
		for ix, n := range seen {
			if n != 1 {
				t.Errorf("sample %d seen %d times across shards", ix, n)
			}
		}
	}
}

func TestLoaderPadWithMask(t *testing.T) {
	sp := flatSplit(t, t.TempDir(), 23, 5)
	bs := collect(t, mustLoader(t, sp, LoaderConfig{BatchSize: 4, Workers: 2, Transform: nearestTransform{h: 4, w: 4}}), 0, 0)
	if len(bs) != 6 {
		t.Fatalf("%d batches", len(bs))
	}
	for i, b := range bs {
		checkContent(t, b, sp, 5)
		wantValid := 4
		if i == 5 {
			wantValid = 3
		}
		if b.Valid != wantValid || len(b.Images) != 4*4*4*3 || len(b.Labels) != 4 {
			t.Errorf("batch %d: valid %d, %d floats", i, b.Valid, len(b.Images))
		}
	}
	if got := bs[5].Indices; !reflect.DeepEqual(got, []int{20, 21, 22, -1}) {
		t.Errorf("last batch indices %v", got)
	}
	if l := mustLoader(t, sp, LoaderConfig{BatchSize: 4, DropLast: true, Transform: nearestTransform{h: 4, w: 4}}); len(collect(t, l, 0, 0)) != 5 {
		t.Error("DropLast kept the partial batch")
	}
}

func TestLoaderRepeats(t *testing.T) {
	sp := flatSplit(t, t.TempDir(), 10, 5)
	tf := nearestTransform{h: 4, w: 4, jitter: true}
	bs := collect(t, mustLoader(t, sp, LoaderConfig{BatchSize: 3, Workers: 2, Seed: 1, Shuffle: true, Repeats: 3, Transform: tf}), 0, 0)
	count := map[int]int{}
	offsets := map[int][]float32{}
	var order []int
	for _, b := range bs {
		for j, ix := range b.Indices[:b.Valid] {
			count[ix]++
			order = append(order, ix)
			c := indexColor(ix)
			offsets[ix] = append(offsets[ix], b.Images[j*48]-float32(c.R)/255)
		}
	}
	if len(order) != 30 {
		t.Fatalf("%d samples; want 30", len(order))
	}
	for i := 0; i < 30; i += 3 { // copies are adjacent, as in timm's RepeatAugSampler
		if order[i] != order[i+1] || order[i] != order[i+2] {
			t.Fatalf("copies not adjacent: %v", order)
		}
	}
	for ix := range 10 {
		o := offsets[ix]
		if count[ix] != 3 || len(o) != 3 {
			t.Fatalf("sample %d seen %d times", ix, count[ix])
		}
		if math.Abs(float64(o[0]-o[1])) < 1e-3 || math.Abs(float64(o[1]-o[2])) < 1e-3 {
			t.Errorf("sample %d: copies share an augmentation stream: %v", ix, o)
		}
	}
	// With 3 shards the 3 copies of a sample land on 3 different shards.
	for k := range 3 {
		seen := map[int]bool{}
		for _, b := range collect(t, mustLoader(t, sp, LoaderConfig{BatchSize: 5, Seed: 1, Shuffle: true, Repeats: 3, ShardIndex: k, ShardCount: 3, Transform: tf}), 0, 0) {
			for _, ix := range b.Indices[:b.Valid] {
				if seen[ix] {
					t.Errorf("shard %d got sample %d twice", k, ix)
				}
				seen[ix] = true
			}
		}
		if len(seen) != 10 {
			t.Errorf("shard %d saw %d samples; want all 10", k, len(seen))
		}
	}
}

func TestLoaderBadFilesReplacedAndCounted(t *testing.T) {
	dir := t.TempDir()
	sp := flatSplit(t, dir, 8, 5)
	files := dirtyFiles(t, t.TempDir())
	for ix, name := range map[int]string{3: "truncated.JPEG", 4: "empty.JPEG"} {
		b, _ := os.ReadFile(files[name])
		writeFile(t, sp.Samples[ix].Path, b)
	}
	for _, workers := range []int{1, 3} {
		l := mustLoader(t, sp, LoaderConfig{BatchSize: 4, Workers: workers, Transform: nearestTransform{h: 4, w: 4}})
		for epoch := range 2 {
			bs := collect(t, l, epoch, 0)
			// slot 3 → 4 fails too → sample 5; slot 4 → sample 5
			if got := append(append([]int{}, bs[0].Indices...), bs[1].Indices...); !reflect.DeepEqual(got, []int{0, 1, 2, 5, 5, 5, 6, 7}) {
				t.Errorf("workers %d: indices %v", workers, got)
			}
			for _, b := range bs {
				checkContent(t, b, sp, 5)
				if b.Valid != 4 {
					t.Errorf("valid %d", b.Valid)
				}
			}
		}
		st := l.Stats()
		if st.Decoded != 16 || st.Failed != 6 {
			t.Errorf("workers %d: stats %d decoded, %d failed; want 16, 6", workers, st.Decoded, st.Failed)
		}
		joined := strings.Join(st.FailedExamples, "\n")
		if !strings.Contains(joined, filepath.Base(sp.Samples[3].Path)) || !strings.Contains(joined, "empty file") {
			t.Errorf("failed examples %v", st.FailedExamples)
		}
	}
	// A split of only bad files still finishes, every slot masked.
	bad := &Split{Samples: []Sample{{Path: files["empty.JPEG"]}, {Path: files["text.JPEG"]}, {Path: filepath.Join(dir, "gone.JPEG")}}}
	l := mustLoader(t, bad, LoaderConfig{BatchSize: 2, Workers: 2, Transform: nearestTransform{h: 4, w: 4}})
	bs := collect(t, l, 0, 0)
	if len(bs) != 2 || bs[0].Valid != 0 || bs[1].Valid != 0 || bs[0].Indices[0] != -1 {
		t.Errorf("all-bad split: %+v", bs)
	}
	if st := l.Stats(); st.Failed != 3*maxSubstitutes || st.Decoded != 0 {
		t.Errorf("all-bad stats %+v", st)
	}
}

// TestLoaderHugeHeaderIsAnUnreadableFile (issue 13 item 3): a file whose header claims
// 60000 × 60000 is one more unreadable file, counted and substituted in training and
// masked in evaluation, with an error naming it and the limit; it does not stop the
// loader (before, decoding it allocated 14.4 GB and killed the process). A lowered
// LoaderConfig.MaxPixels refuses ordinary files the same way.
func TestLoaderHugeHeaderIsAnUnreadableFile(t *testing.T) {
	sp := flatSplit(t, t.TempDir(), 8, 5)
	writeFile(t, sp.Samples[2].Path, hostile.PNG(60000, 60000))
	writeFile(t, sp.Samples[6].Path, hostile.ProgressiveJPEG(60000, 60000))
	for _, noSub := range []bool{false, true} {
		l := mustLoader(t, sp, LoaderConfig{BatchSize: 4, Workers: 2, NoSubstitute: noSub, Transform: nearestTransform{h: 4, w: 4}})
		bs := collect(t, l, 0, 0)
		got := append(append([]int{}, bs[0].Indices...), bs[1].Indices...)
		want := []int{0, 1, 3, 3, 4, 5, 7, 7}
		if noSub {
			want = []int{0, 1, -1, 3, 4, 5, -1, 7}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("NoSubstitute %v: indices %v, want %v", noSub, got, want)
		}
		st := l.Stats()
		if st.Failed != 2 {
			t.Errorf("NoSubstitute %v: %d failed, want 2", noSub, st.Failed)
		}
		joined := strings.Join(st.FailedExamples, "\n")
		if !strings.Contains(joined, filepath.Base(sp.Samples[2].Path)) || !strings.Contains(joined, "60000 × 60000") || !strings.Contains(joined, "data.max_pixels") {
			t.Errorf("failed examples %v", st.FailedExamples)
		}
	}
	// Each flatSplit image is 6×5 = 30 pixels: a limit of 29 refuses them all.
	l := mustLoader(t, sp, LoaderConfig{BatchSize: 4, Workers: 1, NoSubstitute: true, MaxPixels: 29, Transform: nearestTransform{h: 4, w: 4}})
	for _, b := range collect(t, l, 0, 0) {
		if b.Valid != 0 {
			t.Errorf("limit 29: %d valid images", b.Valid)
		}
	}
}

func TestLoaderCancel(t *testing.T) {
	sp := flatSplit(t, t.TempDir(), 40, 5)
	l := mustLoader(t, sp, LoaderConfig{BatchSize: 2, Workers: 2, Prefetch: 2, Transform: nearestTransform{h: 4, w: 4}})
	ctx, cancel := context.WithCancel(context.Background())
	ch := l.Epoch(ctx, 0, 0)
	<-ch
	cancel()
	done := make(chan int)
	go func() {
		n := 0
		for range ch {
			n++
		}
		done <- n
	}()
	select {
	case n := <-done:
		if n > 4 {
			t.Errorf("%d batches after cancel", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
}

func TestSampleRNG(t *testing.T) {
	a, b := SampleRNG(1, 2, 3).Uint64(), SampleRNG(1, 2, 3).Uint64()
	if a != b {
		t.Fatal("SampleRNG not reproducible")
	}
	vals := map[uint64]bool{a: true}
	for _, k := range [][3]int{{2, 2, 3}, {1, 3, 3}, {1, 2, 4}} {
		vals[SampleRNG(uint64(k[0]), k[1], k[2]).Uint64()] = true
	}
	if len(vals) != 4 {
		t.Error("seed, epoch and index do not all change the stream")
	}
	p := epochPerm(1, 0, 50)
	q := append([]int(nil), p...)
	sort.Ints(q)
	for i, v := range q {
		if v != i {
			t.Fatal("epochPerm is not a permutation")
		}
	}
}
