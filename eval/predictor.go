package eval

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/livevars"
	"github.com/tfvision/tfvision/vision"
)

// Predictor runs the model in inference mode on fixed-size batches (static shapes: a short
// batch is zero-padded, so the graph compiles once).
type Predictor struct {
	Model *vision.Model
	Batch int
	// AfterBatch, when set, runs after each batch Logits computes (tests interrupt there).
	AfterBatch func()
	// PixelNorm normalises the 8-bit batches of LogitsPixels in the graph; it must be set
	// before the first of them.
	PixelNorm vision.PixelNorm
	exec      *model.Exec
}

// NewPredictor compiles lazily on the first call.
func NewPredictor(backend compute.Backend, m *vision.Model, store *model.Store, batch int) (*Predictor, error) {
	if batch <= 0 {
		return nil, fmt.Errorf("predict batch size %d: must be > 0", batch)
	}
	p := &Predictor{Model: m, Batch: batch}
	var err error
	p.exec, err = model.NewExec(backend, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		// Live: training re-runs this graph after each epoch's weights are copied in.
		livevars.Live(scope, x.Graph())
		if x.DType() == dtypes.Uint8 { // LogitsPixels: one more graph, compiled on its first call
			x = vision.PixelsToImages(x, nil, nil, p.PixelNorm)
		}
		return m.Logits(scope, x, false)
	})
	if err != nil {
		return nil, fmt.Errorf("build inference graph: %w", err)
	}
	return p, nil
}

// LogitsPixels is Logits for n ≤ Batch images given as 8-bit HWC RGB pixels (transformed,
// not normalised: the graph normalises them with PixelNorm).
func (p *Predictor) LogitsPixels(pixels []uint8, n int) ([][]float32, error) {
	if !p.PixelNorm.Valid() {
		return nil, fmt.Errorf("predict: 8-bit images but the predictor has no PixelNorm")
	}
	t, err := batchTensor(p, pixels, n, 3, "bytes")
	if err != nil {
		return nil, err
	}
	return p.run(t, n)
}

// Logits returns [n][classes] logits for n ≤ Batch images given as HWC float32 (already
// transformed), padding to the batch size.
func (p *Predictor) Logits(images []float32, n int) ([][]float32, error) {
	t, err := batchTensor(p, images, n, p.Model.Config.Channels, "floats")
	if err != nil {
		return nil, err
	}
	return p.run(t, n)
}

// batchTensor is the graph input for n ≤ Batch images of data: a short batch is
// zero-padded to the batch size (static shapes: the graph compiles once).
func batchTensor[T float32 | uint8](p *Predictor, data []T, n, channels int, unit string) (*tensors.Tensor, error) {
	c := p.Model.Config
	per := c.ImageSize * c.ImageSize * channels
	if n > p.Batch || len(data) < n*per {
		return nil, fmt.Errorf("predict: %d images (%d %s) for batch %d of %d %s each", n, len(data), unit, p.Batch, per, unit)
	}
	buf := data
	if len(data) != p.Batch*per {
		buf = make([]T, p.Batch*per)
		copy(buf, data[:n*per])
	}
	return tensors.FromFlatDataAndDimensions(buf, p.Batch, c.ImageSize, c.ImageSize, channels), nil
}

func (p *Predictor) run(t *tensors.Tensor, n int) ([][]float32, error) {
	out, err := p.exec.Call1(t)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	all := out.Value().([][]float32)
	out.FinalizeAll()
	if p.AfterBatch != nil {
		p.AfterBatch()
	}
	return all[:n], nil
}

// Finalize releases the compiled graph.
func (p *Predictor) Finalize() { p.exec.Finalize() }

// Softmax turns a logit row into probabilities (float64 accumulation).
func Softmax(logits []float32) []float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	out := make([]float64, len(logits))
	var sum float64
	for i, v := range logits {
		out[i] = math.Exp(float64(v) - mx)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// TopK returns the indices of the k largest values, largest first (ties: lower index first).
func TopK(values []float64, k int) []int {
	k = max(0, min(k, len(values)))
	idx := make([]int, 0, k)
	for len(idx) < k {
		best := -1
		for i, v := range values {
			taken := false
			for _, j := range idx {
				if j == i {
					taken = true
					break
				}
			}
			if !taken && (best < 0 || v > values[best]) {
				best = i
			}
		}
		idx = append(idx, best)
	}
	return idx
}
