package augment

import (
	"fmt"
	"hash/fnv"
	"image"
	"math"
	"os"
	"strings"
	"testing"
)

// goldenTrainConfigs cover both resample paths (fused floats, 8-bit + RandAugment), every
// filter, the flip and erasing extremes, uniform-magnitude RandAugment (mstd > 100) and
// non-ImageNet statistics.
func goldenTrainConfigs() []TrainConfig {
	d := DefaultTrainConfig()
	fused := d
	fused.RandAugment, fused.ReProb = "", 0
	odd := TrainConfig{Size: 96, Scale: [2]float64{0.5, 0.9}, Ratio: [2]float64{0.5, 2}, Interp: Bilinear,
		HFlip: 1, RandAugment: "rand-m7-n3-mstd101-p0.8", ReProb: 1,
		Mean: [3]float32{0.5, 0.25, 0.125}, Std: [3]float32{0.3, 0.7, 1.1}}
	near := TrainConfig{Size: 64, Scale: [2]float64{0.08, 1}, Ratio: [2]float64{3.0 / 4, 4.0 / 3}, Interp: Nearest,
		RandAugment: "rand-mmax15-m12-mstd1-inc1", ReProb: 0.5, Mean: [3]float32{}, Std: [3]float32{1, 1, 1}}
	plain := TrainConfig{Size: 48, Scale: [2]float64{1, 1}, Ratio: [2]float64{1, 1}, Interp: Bilinear,
		HFlip: 0.3, Mean: ImageNetMean, Std: ImageNetStd}
	return []TrainConfig{d, fused, odd, near, plain}
}

func goldenEvalConfigs() []EvalConfig {
	return []EvalConfig{DefaultEvalConfig(),
		{Size: 96, CropPct: 1, Interp: Bilinear, Mean: ImageNetMean, Std: ImageNetStd},
		{Size: 160, CropPct: 0.9, Interp: Nearest, Mean: [3]float32{}, Std: [3]float32{1, 1, 1}}}
}

func goldenImages() []image.Image {
	gray := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 7)
	}
	return []image.Image{syntheticYCbCr(500, 375, 1), randomNRGBA(97, 131, 2), gray, smoothRGBA(1203, 901)}
}

func hashFloats(v []float32) uint64 {
	h := fnv.New64a()
	var b [4]byte
	for _, f := range v {
		u := math.Float32bits(f)
		b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
		h.Write(b[:])
	}
	return h.Sum64()
}

// goldenLines runs NewTrain and NewEval over the golden configs, images and seeds and
// hashes each output.
func goldenLines(t *testing.T) []string {
	var out []string
	imgs := goldenImages()
	for ci, cfg := range goldenTrainConfigs() {
		tr, err := NewTrain(cfg)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, cfg.Size*cfg.Size*3)
		for ii, img := range imgs {
			for seed := uint64(0); seed < 4; seed++ {
				if err := tr.Apply(img, newRNG(seed), dst); err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprintf("train %d %d %d %#x", ci, ii, seed, hashFloats(dst)))
			}
		}
		half := boxDownRGBA(smoothRGBA(1203, 901), 2)
		for seed := uint64(0); seed < 4; seed++ {
			if err := tr.ApplyScaled(half, 1203, 901, 0.5, newRNG(seed), dst); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("scaled %d %d %#x", ci, seed, hashFloats(dst)))
		}
	}
	for ci, cfg := range goldenEvalConfigs() {
		ev, err := NewEval(cfg)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, cfg.Size*cfg.Size*3)
		for ii, img := range imgs {
			if err := ev.Apply(img, nil, dst); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("eval %d %d %#x", ci, ii, hashFloats(dst)))
		}
	}
	return out
}

// fromYCbCr tells the golden lines of goldenImages()[0], the YCbCr image: "train c 0 seed
// hash" and "eval c 0 hash".
func fromYCbCr(line string) bool {
	f := strings.Fields(line)
	return (f[0] == "train" || f[0] == "eval") && f[2] == "0"
}

// TestOutputsMatchC82f604: NewTrain (now built through TrainConfig.Spec and the op
// registry) and NewEval give, bit for bit, what they gave at commit c82f604, before the
// spec existed: testdata/transform_hashes_c82f604.txt holds the FNV-64a hashes of every
// output float that commit's code produced for these configs, images and seeds (112
// outputs, both resample paths, ApplyScaled, eval). It is not regenerated: a change here
// is a change of the augmentation. One change was made on purpose: YCbCr images are
// resampled plane by plane (planar.go), with libjpeg's chroma upsampling composed into the
// chroma filter where the RGB path repeated chroma samples as image/color does; those 23
// outputs are pinned by transform_hashes_planar.txt instead, from the commit that made the
// change, and every other output must still be c82f604's.
func TestOutputsMatchC82f604(t *testing.T) {
	if !haveAVX2FMA {
		// The vertical pass multiply-adds fused on AVX2 and unfused otherwise (and Go
		// fuses on arm64 at will), so the last bits differ; the other tests still bound
		// those paths' outputs against Pillow and each other.
		t.Skip("the golden hashes pin the AVX2 kernels (GOEXPERIMENT=simd on amd64 with AVX2 and FMA)")
	}
	got := goldenLines(t)
	for _, f := range []struct {
		file  string
		ycbcr bool
	}{{"transform_hashes_c82f604.txt", false}, {"transform_hashes_planar.txt", true}} {
		data, err := os.ReadFile("testdata/" + f.file)
		if err != nil {
			t.Fatal(err)
		}
		var want, have []string
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if fromYCbCr(l) == f.ycbcr {
				want = append(want, l)
			}
		}
		for _, l := range got {
			if fromYCbCr(l) == f.ycbcr {
				have = append(have, l)
			}
		}
		if len(have) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d outputs, want %d", f.file, len(have), len(want))
		}
		for i := range have {
			if have[i] != want[i] {
				t.Errorf("%s: output %d: %s, want %s", f.file, i, have[i], want[i])
			}
		}
	}
}
