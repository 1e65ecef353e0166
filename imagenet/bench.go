package imagenet

import (
	"context"
	"errors"
	"time"
)

// BenchResult is the end-to-end loader throughput measured by Bench.
type BenchResult struct {
	Images       int // real (Valid) images delivered
	Seconds      float64
	ImagesPerSec float64
	PerWorker    float64 // ImagesPerSec / Workers: the per-core rate to compare with PIL
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
	start := time.Now()
	for epoch := 0; res.Images < maxImages; epoch++ {
		ctx, cancel := context.WithCancel(context.Background())
		got := 0
		for b := range l.Epoch(ctx, epoch, 0) {
			got += b.Valid
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
	res.Seconds = time.Since(start).Seconds()
	res.ImagesPerSec = float64(res.Images) / res.Seconds
	res.PerWorker = res.ImagesPerSec / float64(l.cfg.Workers)
	return res, nil
}
