package imagenet

import (
	"image"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/imagenet/decode"
)

// recordingPlanner is augment.Train that records the decoded sizes it was handed.
type recordingPlanner struct {
	*augment.Train
	mu     sync.Mutex
	sizes  map[image.Point]int
	scales map[float64]int
}

func (r *recordingPlanner) note(img image.Image, scale float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sizes[img.Bounds().Size()]++
	r.scales[scale]++
}

func (r *recordingPlanner) Apply(img image.Image, rng *rand.Rand, dst []float32) error {
	r.note(img, 1)
	return r.Train.Apply(img, rng, dst)
}

func (r *recordingPlanner) ApplyScaled(img image.Image, fw, fh int, scale float64, rng *rand.Rand, dst []float32) error {
	r.note(img, scale)
	return r.Train.ApplyScaled(img, fw, fh, scale, rng, dst)
}

// useDecoder makes the loader decode with libjpeg-turbo or image/jpeg until the test
// ends, skipping it when libjpeg-turbo is asked for and cannot be loaded.
func useDecoder(t *testing.T, turbo bool) {
	restore, err := decode.UseTurbo(turbo)
	if err != nil {
		t.Skipf("libjpeg-turbo not available, scaled training decodes untested: %v (apt-get install libturbojpeg0)", err)
	}
	t.Cleanup(restore)
}

// TestLoaderTrainScaledDecode: with libjpeg-turbo the train transform's crops are decoded
// at the smallest scale that still covers them at the output size (here 1600×1200 JPEGs,
// 160-px output: 1/4 or 1/2 depending on the crop), with the same crops, flips and batches as the
// full-size decode, whatever the worker count, and pixels close to image/jpeg's full
// decode (mean abs difference < 3/255: the decoders' own ~1.3 plus the reduction).
func TestLoaderTrainScaledDecode(t *testing.T) {
	dir := t.TempDir()
	sp := &Split{Name: "train"}
	for k := range 12 {
		p := filepath.Join(dir, string(rune('a'+k))+".jpg")
		writeFile(t, p, jpegBytes(t, smoothLike(1600, 1200, uint64(k))))
		sp.Samples = append(sp.Samples, Sample{Path: p, Label: k % 2})
	}
	cfg := augment.DefaultTrainConfig()
	cfg.Size, cfg.RandAugment, cfg.ReProb = 160, "", 0
	run := func(turbo bool, workers int) ([]Batch, *recordingPlanner) {
		useDecoder(t, turbo)
		tr, err := augment.NewTrain(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rp := &recordingPlanner{Train: tr, sizes: map[image.Point]int{}, scales: map[float64]int{}}
		l := mustLoader(t, sp, LoaderConfig{BatchSize: 3, Workers: workers, Seed: 3, Shuffle: true, Transform: rp})
		bs := collect(t, l, 0, 0)
		if st := l.Stats(); st.Failed != 0 {
			t.Fatalf("failures: %v", st.FailedExamples)
		}
		return bs, rp
	}
	std, rs := run(false, 2)
	if len(rs.sizes) != 1 || rs.sizes[image.Pt(1600, 1200)] != 12 {
		t.Errorf("image/jpeg decoded sizes %v, want 12 × 1600x1200", rs.sizes)
	}
	tb1, rt := run(true, 1)
	t.Logf("libjpeg-turbo decode scales %v", rt.scales)
	if rt.scales[1] == 12 {
		t.Errorf("no crop was decoded at a reduced scale: %v", rt.sizes)
	}
	tb3, _ := run(true, 3)
	var sum float64
	var n int
	for i := range std {
		if std[i].Valid != tb1[i].Valid || !slices.Equal(std[i].Indices, tb1[i].Indices) {
			t.Fatalf("batch %d: indices %v (turbo) vs %v (std)", i, tb1[i].Indices, std[i].Indices)
		}
		for j := range std[i].Images {
			if tb1[i].Images[j] != tb3[i].Images[j] {
				t.Fatalf("batch %d: 1 and 3 workers differ", i)
			}
			sum += math.Abs(float64(std[i].Images[j]-tb1[i].Images[j])) * 0.226 * 255
			n++
		}
	}
	if mae := sum / float64(n); mae > 3 {
		t.Errorf("scaled libjpeg-turbo vs full image/jpeg: mean abs diff %.2f/255", mae)
	} else {
		t.Logf("scaled libjpeg-turbo vs full image/jpeg: mean abs diff %.2f/255", mae)
	}
}
