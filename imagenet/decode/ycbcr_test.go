package decode

import (
	"image"
	"image/color"
	"testing"
)

// TestYCbCrFastPathMatchesStdlib compares the direct row conversion with
// image/color for every subsampling ratio and an offset sub-image.
func TestYCbCrFastPathMatchesStdlib(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	for _, r := range ratios {
		full := image.NewYCbCr(image.Rect(0, 0, 13, 11), r)
		for i := range full.Y {
			full.Y[i] = uint8(i * 7)
		}
		for i := range full.Cb {
			full.Cb[i], full.Cr[i] = uint8(i*13+5), uint8(255-i*11)
		}
		for _, sub := range []*image.YCbCr{full, full.SubImage(image.Rect(3, 1, 12, 10)).(*image.YCbCr)} {
			got := toRGBA(sub)
			b := sub.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					c := sub.YCbCrAt(x, y)
					wr, wg, wb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
					p := got.RGBAAt(x-b.Min.X, y-b.Min.Y)
					if p != (color.RGBA{wr, wg, wb, 255}) {
						t.Fatalf("%v sub %v at (%d,%d): %v; want %v", r, b, x, y, p, color.RGBA{wr, wg, wb, 255})
					}
				}
			}
		}
	}
}
