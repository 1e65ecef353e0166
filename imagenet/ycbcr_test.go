package imagenet

import (
	"image"
	"math"
	"testing"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/imagenet/decode"
)

// TestPlanesTransformLikeRGB: the loader hands transforms a JPEG's YCbCr planes
// (decode.Options.YCbCr), from either decoder, and augment resamples them plane by plane
// with libjpeg's chroma upsampling composed in. The outputs must be what the RGB-first
// path gives on libjpeg-turbo's RGB decode (fancy upsampling: the pixels PIL, and so
// torchvision, sees), up to the rounding and clipping PIL's pipeline does in between and,
// for image/jpeg's planes, its IDCT's ±1. Measured in 0..255 units over train and eval
// outputs:
//   - smooth picture: libjpeg-turbo's planes max 0.97–1.82, mean 0.17–0.25; image/jpeg's
//     1.27–2.07, 0.19–0.25. Bounds: max 3, mean 0.3.
//   - photoLike, whose wrapped-around noise makes saturated edges that leave the RGB
//     gamut (clipped before resampling on the RGB path, after it here): max 18–39 at those
//     edges, mean 0.22–0.31. Bounds: max 48, mean 0.4.
//
// image/jpeg's RGBA (chroma repeated), what the standard-library path read before, is
// max 21–51 / mean 0.58–0.76 and 32–75 / 0.65–0.96 from the same reference.
func TestPlanesTransformLikeRGB(t *testing.T) {
	// Only a check that libjpeg-turbo loads: each decode below picks its decoder itself.
	restore, err := decode.UseTurbo(true)
	if err != nil {
		t.Skipf("the reference is libjpeg-turbo's RGB decode: %v (apt-get install libturbojpeg0)", err)
	}
	restore()
	unit := [3]float32{1.0 / 255, 1.0 / 255, 1.0 / 255} // outputs on the 0..255 scale
	tcfg := augment.DefaultTrainConfig()
	tcfg.Size, tcfg.RandAugment, tcfg.ReProb, tcfg.Mean, tcfg.Std = 64, "", 0, [3]float32{}, unit
	tr, err := augment.NewTrain(tcfg)
	if err != nil {
		t.Fatal(err)
	}
	ecfg := augment.DefaultEvalConfig()
	ecfg.Size, ecfg.Mean, ecfg.Std = 64, [3]float32{}, unit
	ev, err := augment.NewEval(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, pic := range []struct {
		name      string
		data      []byte
		max, mean float64
	}{
		{"smooth", jpegBytes(t, smoothLike(173, 131, 7)), 3, 0.3},
		{"clipping", jpegBytes(t, photoLike(173, 131, 7)), 48, 0.4},
	} {
		data := pic.data // image/jpeg encodes 4:2:0
		decodeWith := func(turbo, planes bool) image.Image {
			restore, err := decode.UseTurbo(turbo)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			img, err := decode.Bytes(data, decode.Options{YCbCr: planes})
			if err != nil {
				t.Fatal(err)
			}
			return img
		}
		ref := decodeWith(true, false)
		if _, ok := ref.(*image.RGBA); !ok {
			t.Fatalf("libjpeg-turbo's RGB decode is a %T", ref)
		}
		for _, c := range []struct {
			name string
			img  image.Image
		}{{"libjpeg-turbo planes", decodeWith(true, true)}, {"image/jpeg planes", decodeWith(false, true)}} {
			for name, tf := range map[string]Transform{"train": tr, "eval": ev} {
				worst, sum, n := 0.0, 0.0, 0
				for seed := range uint64(4) {
					a, b := make([]float32, 64*64*3), make([]float32, 64*64*3)
					if err := tf.Apply(c.img, SampleRNG(seed, 0, 1), a); err != nil {
						t.Fatal(err)
					}
					if err := tf.Apply(ref, SampleRNG(seed, 0, 1), b); err != nil {
						t.Fatal(err)
					}
					for i := range a {
						d := math.Abs(float64(a[i] - b[i]))
						worst = max(worst, d)
						sum += d
						n++
					}
				}
				mean := sum / float64(n)
				if worst > pic.max || mean > pic.mean {
					t.Errorf("%s picture, %s, %s: max |diff| %.2f (allowed %v), mean %.3f (allowed %v) against the RGB path on libjpeg's RGB",
						pic.name, c.name, name, worst, pic.max, mean, pic.mean)
				}
			}
		}
	}
}
