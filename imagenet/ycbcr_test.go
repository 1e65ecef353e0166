package imagenet

import (
	"image"
	"math"
	"testing"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/imagenet/decode"
)

// TestYCbCrDecodesTransformLikeRGBA: with the standard library decoder the loader hands
// transforms image/jpeg's YCbCr planes (decode.Options.YCbCr) instead of a converted RGBA
// copy; augment's transforms convert the pixels they read with the same formula, so
// train and eval outputs are bit-identical either way.
func TestYCbCrDecodesTransformLikeRGBA(t *testing.T) {
	tcfg := augment.DefaultTrainConfig()
	tcfg.Size = 48
	tr, err := augment.NewTrain(tcfg)
	if err != nil {
		t.Fatal(err)
	}
	ecfg := augment.DefaultEvalConfig()
	ecfg.Size = 48
	ev, err := augment.NewEval(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	restore, err := decode.UseTurbo(false) // the YCbCr planes are image/jpeg's
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	data := jpegBytes(t, photoLike(173, 131, 7)) // image/jpeg encodes 4:2:0
	for name, tf := range map[string]Transform{"train": tr, "eval": ev} {
		ycc, err := decode.Bytes(data, decode.Options{YCbCr: true})
		if err != nil {
			t.Fatal(err)
		}
		rgba, err := decode.Bytes(data, decode.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ycc.(*image.YCbCr); !ok {
			t.Fatalf("Options.YCbCr gave a %T", ycc)
		}
		if _, ok := rgba.(*image.RGBA); !ok {
			t.Fatalf("the default gave a %T", rgba)
		}
		for seed := range uint64(4) {
			a, b := make([]float32, 48*48*3), make([]float32, 48*48*3)
			if err := tf.Apply(ycc, SampleRNG(seed, 0, 1), a); err != nil {
				t.Fatal(err)
			}
			if err := tf.Apply(rgba, SampleRNG(seed, 0, 1), b); err != nil {
				t.Fatal(err)
			}
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					t.Fatalf("%s seed %d (%T vs %T): value %d is %v from YCbCr, %v from RGBA", name, seed, ycc, rgba, i, a[i], b[i])
				}
			}
		}
	}
}
