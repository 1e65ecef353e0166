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
// per channel, then, when partner is not nil, blended with a partner row (Mixup, see
// augment.MixPlan): row i becomes mix[0]·x_i + mix[1]·x_partner[i]. partner is [B] int32
// (global row indices: under data parallelism the gather crosses devices); mix is [2]
// float32. An unmixed batch (partner[i] = i, mix = [1, 0]) comes out exactly as x.
//
// CutMix is not done here: it only moves pixels, which the host does on the bytes for free
// and exactly. In the graph, a per-pixel [H, W] weight map for it cost 26 ms per batch of
// 128×112×112 on the Go backend (where a scalar blend costs 10 ms), and an exact Where for
// rows paired with themselves 20 ms more.
func PixelsToImages(pixels, partner, mix *Node, norm PixelNorm) *Node {
	g := pixels.Graph()
	dims := pixels.Shape().Dimensions
	if pixels.DType() != dtypes.Uint8 || len(dims) != 4 || dims[3] != 3 {
		panic(fmt.Errorf("vision: pixels must be [batch, H, W, 3] uint8, got %s", pixels.Shape()))
	}
	if !norm.Valid() {
		panic(fmt.Errorf("vision: PixelsToImages without a normalisation (PixelNorm %+v)", norm))
	}
	scale := Reshape(Const(g, norm.Scale[:]), 1, 1, 1, 3)
	bias := Reshape(Const(g, norm.Bias[:]), 1, 1, 1, 3)
	x := Add(Mul(ConvertDType(pixels, dtypes.Float32), scale), bias)
	if partner == nil {
		return x
	}
	xp := Gather(x, Reshape(partner, dims[0], 1))
	return Add(Mul(x, Reshape(Slice(mix, AxisElem(0)))), Mul(xp, Reshape(Slice(mix, AxisElem(1)))))
}
