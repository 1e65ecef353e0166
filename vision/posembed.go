package vision

import (
	"fmt"
	"math"
)

// ResamplePosEmbed resizes a position embedding [prefix + old², dim] (row-major, CLS rows
// first) to [prefix + new², dim], as timm's resample_abs_pos_embed: the prefix rows are
// kept, the patch grid is resampled bicubically per channel like PyTorch's
// F.interpolate(mode="bicubic", align_corners=False) — cubic convolution with a = −0.75,
// source x = (dst + 0.5)·old/new − 0.5, taps clamped to the border, no antialiasing.
func ResamplePosEmbed(pos []float32, prefix, oldGrid, newGrid, dim int) ([]float32, error) {
	if oldGrid <= 0 || newGrid <= 0 || dim <= 0 || prefix < 0 || len(pos) != (prefix+oldGrid*oldGrid)*dim {
		return nil, fmt.Errorf("resample position embedding: %d values for %d prefix rows + a %d×%d grid of width %d",
			len(pos), prefix, oldGrid, oldGrid, dim)
	}
	out := make([]float32, (prefix+newGrid*newGrid)*dim)
	copy(out, pos[:prefix*dim])
	taps := cubicTaps(oldGrid, newGrid)
	grid := pos[prefix*dim:]
	at := func(y, x, c int) float64 { return float64(grid[(y*oldGrid+x)*dim+c]) }
	row := make([]float64, 4)
	for oy := 0; oy < newGrid; oy++ {
		ty := taps[oy]
		for ox := 0; ox < newGrid; ox++ {
			tx := taps[ox]
			for c := 0; c < dim; c++ {
				// Along x for the 4 source rows, then along y (PyTorch's order).
				for j := 0; j < 4; j++ {
					y := ty.idx[j]
					row[j] = at(y, tx.idx[0], c)*tx.w[0] + at(y, tx.idx[1], c)*tx.w[1] + at(y, tx.idx[2], c)*tx.w[2] + at(y, tx.idx[3], c)*tx.w[3]
				}
				v := row[0]*ty.w[0] + row[1]*ty.w[1] + row[2]*ty.w[2] + row[3]*ty.w[3]
				out[(prefix+oy*newGrid+ox)*dim+c] = float32(v)
			}
		}
	}
	return out, nil
}

type cubicTap struct {
	idx [4]int
	w   [4]float64
}

// cubicTaps are, per output index, the 4 clamped source indices and their weights.
func cubicTaps(in, out int) []cubicTap {
	const a = -0.75
	conv1 := func(x float64) float64 { return ((a+2)*x-(a+3))*x*x + 1 }   // |x| ≤ 1
	conv2 := func(x float64) float64 { return ((a*x-5*a)*x+8*a)*x - 4*a } // 1 < |x| < 2
	scale := float64(in) / float64(out)
	taps := make([]cubicTap, out)
	for o := range taps {
		src := scale*(float64(o)+0.5) - 0.5
		i0 := int(math.Floor(src))
		t := src - float64(i0)
		taps[o].w = [4]float64{conv2(t + 1), conv1(t), conv1(1 - t), conv2(2 - t)}
		for k := 0; k < 4; k++ {
			taps[o].idx[k] = min(max(i0-1+k, 0), in-1)
		}
	}
	return taps
}
