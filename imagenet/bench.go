package imagenet

import (
	"context"
	"errors"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/tfvision/tfvision/internal/cputime"
)

// BenchResult is the end-to-end loader throughput measured by Bench.
type BenchResult struct {
	Images       int // real (Valid) images delivered
	Seconds      float64
	ImagesPerSec float64
	PerWorker    float64 // ImagesPerSec / Workers: the per-core rate to compare with PIL
	// CPUSeconds is the process's CPU time during the run, and ImagesPerCPUSec the images
	// per CPU-second: the per-core cost, much less swayed by other load than wall time.
	CPUSeconds      float64
	ImagesPerCPUSec float64
	// PeakHeapBytes is the largest Go heap seen during the run (sampled every 2 ms):
	// prefetched batches, decode buffers and transform scratch, all of which the loader
	// bounds by its prefetch, batch size and worker count whatever the image sizes.
	PeakHeapBytes uint64
}

// Bench measures images/s through the whole pipeline (read, decode,
// Transform, batch) for `tfvision bench data`, running epochs until at
// least maxImages images were delivered.
func Bench(split *Split, cfg LoaderConfig, maxImages int) (BenchResult, error) {
	l, err := NewLoader(split, cfg)
	if err != nil {
		return BenchResult{}, err
	}
	if maxImages <= 0 {
		return BenchResult{}, errors.New("imagenet: Bench: maxImages must be > 0")
	}
	var res BenchResult
	stopPeak := samplePeakHeap(&res.PeakHeapBytes)
	defer stopPeak()
	start, cpu0 := time.Now(), cputime.Seconds()
	for epoch := 0; res.Images < maxImages; epoch++ {
		ctx, cancel := context.WithCancel(context.Background())
		got := 0
		for b := range l.Epoch(ctx, epoch, 0) {
			got += b.Valid
			l.Release(b)
			if res.Images+got >= maxImages {
				cancel()
				break
			}
		}
		cancel()
		res.Images += got
		if got == 0 {
			return res, errors.New("imagenet: Bench: an epoch delivered no image (all files unreadable?)")
		}
	}
	res.Seconds, res.CPUSeconds = time.Since(start).Seconds(), cputime.Seconds()-cpu0
	stopPeak()
	res.ImagesPerSec = float64(res.Images) / res.Seconds
	if res.CPUSeconds > 0 {
		res.ImagesPerCPUSec = float64(res.Images) / res.CPUSeconds
	}
	res.PerWorker = res.ImagesPerSec / float64(l.cfg.Workers)
	return res, nil
}

// samplePeakHeap records the largest live-object heap size into peak every 2 ms until
// the returned stop is called (more than once is fine).
func samplePeakHeap(peak *uint64) (stop func()) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			*peak = max(*peak, sample[0].Value.Uint64())
		}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-finished }) }
}
