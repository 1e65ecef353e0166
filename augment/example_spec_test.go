package augment_test

import (
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/tfvision/tfvision/augment"
)

// gray_example is the package doc's "adding an augmentation" example, written from
// outside the package as a project would.
func init() { augment.Register("gray_example", buildGray) }

func buildGray(a *augment.Args) (augment.Op, error) {
	p := a.Float("p", 0.1)
	if !(p >= 0 && p <= 1) {
		return nil, a.Errorf("p", "%g, want a probability in [0,1]", p)
	}
	return augment.PerImage(augment.ImageFunc(func(img *image.NRGBA, rng *rand.Rand) {
		if rng.Float64() < p {
			for i := 0; i < len(img.Pix); i += 4 {
				px := img.Pix[i : i+3 : i+3]
				l := uint8((299*int(px[0]) + 587*int(px[1]) + 114*int(px[2]) + 500) / 1000)
				px[0], px[1], px[2] = l, l, l
			}
		}
	})), nil
}

func ExampleRegister() {
	tr, err := augment.NewTrainSpec("rrc(scale=(0.5,1))|flip|gray_example(1)|erase(0.25)", 32)
	if err != nil {
		panic(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	dst := make([]float32, 32*32*3)
	if err := tr.Apply(img, rand.New(rand.NewPCG(1, 2)), dst); err != nil {
		panic(err)
	}
	// Gray, then normalised with the ImageNet statistics: the channels differ only by
	// their mean and std.
	const mean0, std0, mean1, std1 = 0.485, 0.229, 0.456, 0.224
	v0, v1 := float64(dst[0])*std0+mean0, float64(dst[1])*std1+mean1
	fmt.Printf("size %d, R=G: %v\n", len(dst), fmt.Sprintf("%.4f", v0) == fmt.Sprintf("%.4f", v1))

	_, err = augment.NewTrainSpec("rrc|gray_example(2)", 32)
	fmt.Println(err)
	// Output:
	// size 3072, R=G: true
	// op 2 "gray_example(2)" (column 18): p: 2, want a probability in [0,1]
}
