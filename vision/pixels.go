package vision

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
)

// PixelNorm is the normalisation of 8-bit RGB inputs done in the graph: a pixel v becomes
// v·Scale[c] + Bias[c], i.e. (v/255 − mean)/std (augment.NormalizeAffine gives the
// constants the host float path uses, so both compute the same float32 operations).
type PixelNorm struct {
	Scale, Bias [3]float32
}

// Valid reports whether n was set (a zero Scale would map every image to the bias).
func (n PixelNorm) Valid() bool { return n.Scale[0] != 0 && n.Scale[1] != 0 && n.Scale[2] != 0 }

// PixelInputShape is the 8-bit batch shape PixelsToImages takes: [batch, H, W, 3] uint8.
func (m *Model) PixelInputShape(batch int) shapes.Shape {
	c := m.Config
	return shapes.Make(dtypes.Uint8, batch, c.ImageSize, c.ImageSize, 3)
}

// PixelsToImages turns a uint8 batch [B, H, W, 3] into the model's float32 input: normalised
// per channel, then, when partner is not nil, mixed (Mixup/CutMix, see augment.MixPlan): row
// i becomes self·x_i + other·x_partner[i] per pixel. partner is [B] int32 (global row
// indices: under data parallelism the gather crosses devices); mix is [2, H, W] float32,
// self then other.
//
// A row that is its own partner (padding, the middle row of an odd batch, every row of an
// unmixed batch) comes out as self·x + other·x: exactly x where self and other are 0 and 1
// (CutMix, no mix), and within float32 rounding of it under Mixup (λ·x + (1−λ)·x), where
// the host path leaves it untouched. Selecting x there exactly (Where) took 20 ms per batch
// of 128×28×28 on the Go backend, longer than the rest of the input handling together.
func PixelsToImages(pixels, partner, mix *Node, norm PixelNorm) *Node {
	g := pixels.Graph()
	dims := pixels.Shape().Dimensions
	if pixels.DType() != dtypes.Uint8 || len(dims) != 4 || dims[3] != 3 {
		panic(fmt.Errorf("vision: pixels must be [batch, H, W, 3] uint8, got %s", pixels.Shape()))
	}
	if !norm.Valid() {
		panic(fmt.Errorf("vision: PixelsToImages without a normalisation (PixelNorm %+v)", norm))
	}
	b, h, w := dims[0], dims[1], dims[2]
	scale := Reshape(Const(g, norm.Scale[:]), 1, 1, 1, 3)
	bias := Reshape(Const(g, norm.Bias[:]), 1, 1, 1, 3)
	x := Add(Mul(ConvertDType(pixels, dtypes.Float32), scale), bias)
	if partner == nil {
		return x
	}
	self := Reshape(Slice(mix, AxisElem(0)), 1, h, w, 1)
	other := Reshape(Slice(mix, AxisElem(1)), 1, h, w, 1)
	xp := Gather(x, Reshape(partner, b, 1))
	return Add(Mul(x, self), Mul(xp, other))
}
