package imagenet

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tfvision/tfvision/imagenet/decode"
)

func TestBench(t *testing.T) {
	sp := flatSplit(t, t.TempDir(), 10, 2)
	res, err := Bench(sp, LoaderConfig{BatchSize: 4, Workers: 2, Transform: nearestTransform{h: 4, w: 4}}, 25)
	if err != nil {
		t.Fatal(err)
	}
	if res.Images < 25 || res.ImagesPerSec <= 0 || res.PerWorker != res.ImagesPerSec/2 {
		t.Errorf("%+v", res)
	}
}

// TestBenchPeakHeapIsBounded: decoding 24 large photos with 2 workers, the loader's heap
// stays within what 2 workers' decode buffers and the prefetched batches need (with the
// garbage collector's slack), far below holding the decoded images: it never keeps
// decoded images beyond their transform, and reports the peak it saw. The bench also
// reports its CPU time.
func TestBenchPeakHeapIsBounded(t *testing.T) {
	dir := t.TempDir()
	const w, h, n = 1600, 1200, 24
	data := jpegBytes(t, photoLike(w, h, 3))
	sp := &Split{Name: "big"}
	for k := range n {
		p := filepath.Join(dir, fmt.Sprintf("img%02d.JPEG", k))
		if err := writeBytes(p, data); err != nil {
			t.Fatal(err)
		}
		sp.Samples = append(sp.Samples, Sample{Path: p})
	}
	runtime.GC()
	res, err := Bench(sp, LoaderConfig{BatchSize: 2, Workers: 2, Prefetch: 2, Transform: fastNearest{32, 32}}, n)
	if err != nil {
		t.Fatal(err)
	}
	decoded := uint64(4 * w * h) // one RGBA decode: 7.3 MiB
	// Per worker: the RGBA decode plus, on the image/jpeg path, its YCbCr planes (1.5 B
	// per pixel); three times that for garbage not yet collected (GOGC=100 lets the heap
	// reach twice the live size) and recycled buffers waiting in the pool; 16 MiB for the
	// rest of the test binary. Measured: 41–50 MiB with either decoder. Holding every
	// decoded image would need 24 × 7.3 MiB.
	bound := 2*3*(decoded+uint64(w*h)*3/2) + 16<<20
	if res.PeakHeapBytes == 0 || res.PeakHeapBytes > bound || res.PeakHeapBytes >= n*decoded {
		t.Errorf("peak heap %.1f MiB, want > 0 and <= %.1f MiB (holding all %d decodes: %.1f MiB)",
			float64(res.PeakHeapBytes)/(1<<20), float64(bound)/(1<<20), n, float64(n*decoded)/(1<<20))
	}
	t.Logf("peak heap %.1f MiB (bound %.1f MiB) with %s", float64(res.PeakHeapBytes)/(1<<20), float64(bound)/(1<<20), decode.JPEGDecoder())
	if res.CPUSeconds <= 0 || res.ImagesPerCPUSec <= 0 || math.Abs(res.ImagesPerCPUSec*res.CPUSeconds-float64(res.Images)) > 1e-6*float64(res.Images) {
		t.Errorf("CPU seconds %g, images per CPU-second %g for %d images", res.CPUSeconds, res.ImagesPerCPUSec, res.Images)
	}
}

// BenchmarkLoader measures the whole pipeline (read, decode, a cheap
// nearest-neighbour 224x224 transform, batching) on 32 such files.
func BenchmarkLoader(b *testing.B) {
	dir := b.TempDir()
	sp := &Split{Name: "bench"}
	for k := range 32 {
		p := filepath.Join(dir, "img"+string(rune('a'+k%26))+string(rune('a'+k/26))+".JPEG")
		if err := writeBytes(p, jpegBytes(b, photoLike(500, 375, uint64(k)))); err != nil {
			b.Fatal(err)
		}
		sp.Samples = append(sp.Samples, Sample{Path: p})
	}
	for _, workers := range []int{1, 2} {
		b.Run("workers="+string(rune('0'+workers)), func(b *testing.B) {
			var last BenchResult
			for b.Loop() {
				res, err := Bench(sp, LoaderConfig{BatchSize: 16, Workers: workers, Transform: fastNearest{224, 224}}, 64)
				if err != nil {
					b.Fatal(err)
				}
				last = res
			}
			b.ReportMetric(last.ImagesPerSec, "images/s")
			b.ReportMetric(last.PerWorker, "images/s/worker")
		})
	}
}

// fastNearest is a nearest-neighbour resize on *image.RGBA without the
// per-pixel interface calls of nearestTransform, so the benchmark measures
// the loader rather than image.At.
type fastNearest struct{ h, w int }

func (t fastNearest) Size() (int, int) { return t.h, t.w }

func (t fastNearest) Apply(img image.Image, _ *rand.Rand, dst []float32) error {
	m, ok := img.(*image.RGBA)
	if !ok { // image/jpeg's YCbCr (TFVISION_JPEG=std)
		b := img.Bounds()
		m = image.NewRGBA(b)
		draw.Draw(m, b, img, b.Min, draw.Src)
	}
	W, H := m.Bounds().Dx(), m.Bounds().Dy()
	for y := range t.h {
		row := m.Pix[(y*H/t.h)*m.Stride:]
		for x := range t.w {
			p := row[(x*W/t.w)*4:]
			i := (y*t.w + x) * 3
			dst[i], dst[i+1], dst[i+2] = float32(p[0])/255, float32(p[1])/255, float32(p[2])/255
		}
	}
	return nil
}
