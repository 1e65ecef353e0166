// Scaled (reduced-size) decoding in the DCT domain, added for tfvision.
// The rest of this package is a copy of Go's image/jpeg (BSD licence, see
// the headers); only makeImg, reconstructBlock and the entry points differ.

package fastjpeg

import (
	"image"
	"io"
	"math"
)

// Decode decodes at full size; like image/jpeg.Decode.
//
// DecodeScaled decodes at n/8 of the full size (n in 1..8), computing an
// n×n inverse DCT from the n×n lowest-frequency coefficients of every 8×8
// block, as libjpeg-turbo's scaled IDCTs (jidctred.c, jidctint.c) do. The
// output is ceil(w*n/8) × ceil(h*n/8), also as libjpeg. Entropy decoding
// still reads every coefficient; the IDCT, the memory traffic and the
// caller's colour conversion shrink by (n/8)².
func DecodeScaled(r io.Reader, n int) (image.Image, error) {
	if n < 1 || n > 8 {
		return nil, UnsupportedError("scale numerator must be 1..8")
	}
	var d decoder
	d.fixedN = n
	return d.decode(r, false)
}

// DecodeMin decodes at the smallest n/8 scale (n in 1, 2, 4, 8; see PickScale) whose output is at
// least minW × minH, or at full size when no reduction satisfies that (or
// when minW, minH <= 0 ... which gives the smallest scale: callers should
// pass a positive hint). It returns the image and the numerator n used.
func DecodeMin(r io.Reader, minW, minH int) (image.Image, int, error) {
	var d decoder
	d.minW, d.minH = minW, minH
	img, err := d.decode(r, false)
	return img, d.bs, err
}

// ScaledSize is the output size of an n/8 decode of a w×h JPEG.
func ScaledSize(w, h, n int) (int, int) { return (w*n + 7) / 8, (h*n + 7) / 8 }

// PickScale is the smallest n in {1, 2, 4, 8} with ScaledSize(w, h, n) >=
// (minW, minH). Only these: the n×n float IDCT costs ~2n³ multiplies, so
// n = 5..7 is slower than the fast full-size IDCT (measured), as in
// libjpeg-turbo, whose odd-size IDCTs lack SIMD. PIL's draft() does the same.
func PickScale(w, h, minW, minH int) int {
	for _, n := range [...]int{1, 2, 4} {
		sw, sh := ScaledSize(w, h, n)
		if sw >= minW && sh >= minH {
			return n
		}
	}
	return 8
}

// chooseScale sets d.bs once the frame size is known (called from makeImg).
func (d *decoder) chooseScale() {
	switch {
	case d.fixedN > 0:
		d.bs = d.fixedN
	case d.minW != 0 || d.minH != 0:
		d.bs = PickScale(d.width, d.height, d.minW, d.minH)
	default:
		d.bs = 8
	}
}

func (d *decoder) outW() int { return (d.width*d.bs + 7) / 8 }
func (d *decoder) outH() int { return (d.height*d.bs + 7) / 8 }

// idctMat[n][k][u] = 0.5·C(u)·cos((2k+1)uπ/2n), C(0) = 1/√2, so that the n×n
// output is A·F·Aᵀ of the top-left n×n dequantized coefficients F; the DC
// gain (1/8) matches the 8-point IDCT, so flat areas keep their level.
var idctMat [9][8][8]float32

func init() {
	for n := 1; n <= 8; n++ {
		for k := 0; k < n; k++ {
			for u := 0; u < n; u++ {
				c := 1.0
				if u == 0 {
					c = 1 / math.Sqrt2
				}
				idctMat[n][k][u] = float32(0.5 * c * math.Cos(float64(2*k+1)*float64(u)*math.Pi/float64(2*n)))
			}
		}
	}
}

// idctScaled writes the n×n reduced IDCT of the dequantized block b
// (natural order) to dst with the given stride, level-shifted and clamped.
func idctScaled(b *block, n int, dst []byte, stride int) error {
	if n == 1 {
		dst[0] = clampF(float32(b[0])/8 + 128)
		return nil
	}
	a := &idctMat[n]
	var tmp [8][8]float32 // tmp[v][k]: row-transformed coefficients
	for v := 0; v < n; v++ {
		row := b[v*8 : v*8+n]
		allZero := true
		for _, c := range row[1:] {
			if c != 0 {
				allZero = false
				break
			}
		}
		if allZero {
			dc := float32(row[0]) * a[0][0]
			for k := 0; k < n; k++ {
				tmp[v][k] = dc
			}
			continue
		}
		for k := 0; k < n; k++ {
			ak := &a[k]
			var s float32
			for u, c := range row {
				s += ak[u] * float32(c)
			}
			tmp[v][k] = s
		}
	}
	for l := 0; l < n; l++ {
		al := &a[l]
		out := dst[l*stride : l*stride+n]
		for k := range out {
			var s float32
			for v := 0; v < n; v++ {
				s += al[v] * tmp[v][k]
			}
			out[k] = clampF(s + 128)
		}
	}
	return nil
}

func clampF(x float32) uint8 {
	if x <= 0 {
		return 0
	}
	if x >= 255 {
		return 255
	}
	return uint8(x + 0.5)
}
