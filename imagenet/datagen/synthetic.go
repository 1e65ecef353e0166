package datagen

import (
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// WriteSynthetic writes an ImageNet-layout tree of JPEGs (train/ and val/, classes named
// like wnids n00000000…) of w×h pixels at quality 90 with 4:2:0 chroma, as ImageNet's
// files are: smooth gradients, edges and noise, so decode cost resembles real photos'.
// It is for benchmarks (`tfvision bench data`, `predict`, `train` at 224 px) where no
// ImageNet copy is at hand; the classes differ in hue so a model can learn something.
func WriteSynthetic(root string, classes, trainPer, valPer, w, h int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x5717))
	for split, per := range map[string]int{"train": trainPer, "val": valPer} {
		for c := 0; c < classes; c++ {
			wnid := fmt.Sprintf("n%08d", c)
			dir := filepath.Join(root, split, wnid)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			for i := 0; i < per; i++ {
				img := syntheticImage(w, h, c, classes, rng)
				path := filepath.Join(dir, fmt.Sprintf("%s_%d.JPEG", wnid, i))
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				err = jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return fmt.Errorf("write %s: %w", path, err)
				}
			}
		}
	}
	return nil
}

func syntheticImage(w, h, class, classes int, rng *rand.Rand) image.Image {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	hue := 2 * math.Pi * float64(class) / float64(classes)
	fx, fy := 2+rng.Float64()*6, 2+rng.Float64()*6
	cx, cy, r := rng.Float64()*float64(w), rng.Float64()*float64(h), 40+rng.Float64()*100
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 128 + 60*math.Sin(fx*float64(x)/float64(w)*math.Pi)*math.Cos(fy*float64(y)/float64(h)*math.Pi)
			if dx, dy := float64(x)-cx, float64(y)-cy; dx*dx+dy*dy < r*r {
				v += 50
			}
			v += rng.NormFloat64() * 12
			img.Y[y*img.YStride+x] = uint8(max(0, min(255, v)))
		}
	}
	for y := 0; y < (h+1)/2; y++ {
		for x := 0; x < (w+1)/2; x++ {
			i := y*img.CStride + x
			img.Cb[i] = uint8(max(0, min(255, 128+50*math.Cos(hue)+rng.NormFloat64()*6)))
			img.Cr[i] = uint8(max(0, min(255, 128+50*math.Sin(hue)+rng.NormFloat64()*6)))
		}
	}
	return img
}
