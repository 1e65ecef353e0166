package eval_test

import (
	"fmt"
	"image"
	"image/color"
	"log"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/vision"
)

// Classify one in-memory image the way `tfvision predict` does: the run's eval transform
// (resize, center crop, normalise), the Predictor, then softmax and top-k.
func ExamplePredictor() {
	b, err := backend.Open("go", backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// A run's configuration; here the defaults with a tiny untrained model.
	cfg := configs.Default()
	cfg.Model.Config = vision.Config{Kind: vision.KindTokenFormer, ImageSize: 16, Patch: 8, Channels: 3,
		Dim: 16, Depth: 2, Heads: 2, NumClasses: 5, QKVTokens: 8, ProjTokens: 8, FFNTokens: 16}
	m, err := vision.New(cfg.Model.Config)
	if err != nil {
		log.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Build(b, store, 7); err != nil {
		log.Fatal(err)
	}
	p, err := eval.NewPredictor(b, m, store, 1) // batch size 1
	if err != nil {
		log.Fatal(err)
	}
	defer p.Finalize()

	// Any image.Image: here a 40×30 red-to-blue gradient.
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.Set(x, y, color.RGBA{uint8(255 - 6*x), 64, uint8(6 * x), 255})
		}
	}
	tf, err := cfg.EvalTransform()
	if err != nil {
		log.Fatal(err)
	}
	h, w := tf.Size()
	pixels := make([]float32, h*w*3) // HWC, normalised
	if err := tf.Apply(img, nil, pixels); err != nil {
		log.Fatal(err)
	}
	logits, err := p.Logits(pixels, 1)
	if err != nil {
		log.Fatal(err)
	}
	probs := eval.Softmax(logits[0])
	sum := 0.0
	for _, q := range probs {
		sum += q
	}
	top := eval.TopK(probs, 1) // class indices, most probable first
	fmt.Printf("transform output: %d×%d\n", h, w)
	fmt.Printf("classes: %d, top-1: %d, probabilities sum to %.2f\n", len(probs), top[0], sum)
	// Output:
	// transform output: 16×16
	// classes: 5, top-1: 3, probabilities sum to 1.00
}
