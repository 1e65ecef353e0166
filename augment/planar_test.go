package augment

import (
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var allRatios = []image.YCbCrSubsampleRatio{
	image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
	image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
}

// randomYCbCr fills every plane of a w×h image with noise; neutral makes the chroma 128
// (grey: R = G = B = Y).
func randomYCbCr(w, h int, r image.YCbCrSubsampleRatio, seed uint64, neutral bool) *image.YCbCr {
	rng := newRNG(seed)
	img := image.NewYCbCr(image.Rect(0, 0, w, h), r)
	for i := range img.Y {
		img.Y[i] = uint8(rng.IntN(256))
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
		if neutral {
			img.Cb[i], img.Cr[i] = 128, 128
		}
	}
	return img
}

// fancyChroma is the chroma libjpeg's upsampling gives pixel (x, y) of a plane with
// 2^sx × 2^sy pixels per sample, written out per axis: 3/4 of the covering sample and 1/4
// of the neighbour on the pixel's side for a factor 2 (the edge sample standing in for a
// missing neighbour), the sample repeated otherwise. b is the image's extent: a
// sub-image's edges are edges.
func fancyChroma(pl []uint8, stride int, b image.Rectangle, sx, sy uint, x, y int) float64 {
	taps := func(p int, s uint, lo, hi int) ([2]int, [2]float64) {
		j := p >> s
		if s != 1 {
			return [2]int{j, j}, [2]float64{1, 0}
		}
		k := j - 1
		if p%2 == 1 {
			k = j + 1
		}
		return [2]int{j, min(max(k, lo>>s), (hi-1)>>s)}, [2]float64{0.75, 0.25}
	}
	xs, xw := taps(x, sx, b.Min.X, b.Max.X)
	ys, yw := taps(y, sy, b.Min.Y, b.Max.Y)
	var v float64
	for a := range 2 {
		for b := range 2 {
			v += yw[a] * xw[b] * float64(pl[ys[a]*stride+xs[b]])
		}
	}
	return v
}

// TestPlanarIdentity: resampling a YCbCr image onto its own grid reads each plane where
// image.YCbCr says its samples are, for every subsampling and an odd-origin sub-image:
//   - with grey chroma every filter returns the luma exactly (R = G = B = Y);
//   - with nearest, every pixel is its luma with libjpeg's upsampled chroma (fancyChroma),
//     converted by the JFIF formula, to ±1 (rounding).
func TestPlanarIdentity(t *testing.T) {
	for _, r := range allRatios {
		for _, neutral := range []bool{true, false} {
			full := randomYCbCr(13, 9, r, 3, neutral)
			sx, sy := chromaShift(r)
			for _, src := range []*image.YCbCr{full, full.SubImage(image.Rect(3, 1, 12, 8)).(*image.YCbCr)} {
				b := src.Bounds()
				for _, interp := range []Interpolation{Nearest, Bilinear, Bicubic} {
					if !neutral && interp != Nearest {
						continue
					}
					out := ResizedCrop(src, b, b.Dx(), b.Dy(), interp, false)
					for y := b.Min.Y; y < b.Max.Y; y++ {
						for x := b.Min.X; x < b.Max.X; x++ {
							got := rgbAt(out, x-b.Min.X, y-b.Min.Y)
							l := float64(full.Y[y*full.YStride+x])
							cbv := fancyChroma(full.Cb, full.CStride, b, sx, sy, x, y) - 128
							crv := fancyChroma(full.Cr, full.CStride, b, sx, sy, x, y) - 128
							want := [3]float64{l + 1.402*crv, l - 0.344136*cbv - 0.714136*crv, l + 1.772*cbv}
							for c := range 3 {
								w := math.Round(min(max(want[c], 0), 255))
								d := float64(got[c]) - w
								if neutral && d != 0 || math.Abs(d) > 1 {
									t.Fatalf("%v %v neutral %v at (%d,%d): %v, want %v", r, b, neutral, x, y, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestComposeUpsample: the composed chroma taps are the luma taps applied to libjpeg's
// fancy upsampling, checked against upsampling a chroma row by hand (jdsample.c's
// h2v1_fancy_upsample, without its integer rounding) and filtering it with the luma taps.
func TestComposeUpsample(t *testing.T) {
	rng := newRNG(6)
	const lw = 3001     // a row of luma pixels
	const cw = lw/2 + 1 // its chroma samples
	chroma := make([]float64, cw)
	for i := range chroma {
		chroma[i] = float64(rng.IntN(256))
	}
	up := make([]float64, lw)
	for p := range up {
		j := p / 2
		k := j - 1
		if p%2 == 1 {
			k = j + 1
		}
		k = min(max(k, 0), cw-1)
		up[p] = 0.75*chroma[j] + 0.25*chroma[k]
	}
	for _, interp := range []Interpolation{Nearest, Bilinear, Bicubic} {
		// Reductions, enlargements, the whole row, a box at its end, and a 3000 → 12
		// reduction whose composed taps (~500 per output) overflow the stack buffer.
		for _, c := range []struct{ x0, x1, out int }{{7, 55, 23}, {11, 31, 41}, {0, 61, 61}, {40, 61, 5}, {2990, 3001, 4}, {0, 3001, 12}} {
			ax, _ := cropAxes(image.Rect(c.x0, 0, c.x1, 1), c.out, 1)
			var l, ch coeffs
			l.compute(ax, interp)
			base := ch.composeUpsample(&l, ax.lo, 1, 0, cw)
			for x := range c.out {
				var want, got float64
				for k := range l.count[x] {
					want += float64(l.w[x*l.k+k]) * up[ax.lo+l.start[x]+k]
				}
				for k := range ch.count[x] {
					got += float64(ch.w[x*ch.k+k]) * chroma[base+ch.start[x]+k]
				}
				if math.Abs(got-want) > 1e-3 {
					t.Fatalf("%v [%d,%d)→%d output %d: composed %v, upsampled then filtered %v", interp, c.x0, c.x1, c.out, x, got, want)
				}
			}
		}
	}
}

// loadJPEGFixture is testdata/pil/src420.jpg (gen_pil.py) as image/jpeg decodes it: its
// 4:2:0 planes.
func loadJPEGFixture(t *testing.T) *image.YCbCr {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "pil", "src420.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	ycc, ok := img.(*image.YCbCr)
	if !ok || ycc.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		t.Fatalf("src420.jpg decodes to %T", img)
	}
	return ycc
}

// nrgbaDiff is the largest and mean absolute channel difference.
func nrgbaDiff(a, b *image.NRGBA) (worst int, mean float64) {
	w, h := b.Rect.Dx(), b.Rect.Dy()
	sum := 0
	for y := range h {
		for x := range w {
			for c := range 3 {
				d := int(a.Pix[y*a.Stride+4*x+c]) - int(b.Pix[y*b.Stride+4*x+c])
				d = max(d, -d)
				worst = max(worst, d)
				sum += d
			}
		}
	}
	return worst, float64(sum) / float64(3*w*h)
}

// TestPlanarAgainstPillow: crops of a 4:2:0 JPEG resampled from its planes (chroma
// through the composed upsampling) against Pillow's output on the same file, which
// libjpeg decodes with fancy upsampling to RGB before Pillow resamples (gen_pil.py). They
// differ by the roundings and clips Pillow does in between and image/jpeg's IDCT against
// libjpeg's. Measured on this noisy, saturated fixture: max 1–3, mean 0.20–0.39; bounds
// max 4, mean 0.5. Reading the wrong neighbour in the upsampling gives means of 1.7–6.6 and
// maxima to 50; converting image/jpeg's RGBA (chroma repeated, the previous path) 1.6–6.3
// and 15–63.
func TestPlanarAgainstPillow(t *testing.T) {
	src := loadJPEGFixture(t)
	check := func(name string, got *image.NRGBA) {
		t.Helper()
		want := loadPNG(t, name)
		if got.Rect.Size() != want.Rect.Size() {
			t.Fatalf("%s: size %v, want %v", name, got.Rect.Size(), want.Rect.Size())
		}
		worst, mean := nrgbaDiff(got, want)
		if worst > 4 || mean > 0.5 {
			t.Errorf("%s: max |diff| %d (allowed 4), mean %.3f (allowed 0.5)", name, worst, mean)
		}
	}
	for name, interp := range map[string]Interpolation{"nearest": Nearest, "bilinear": Bilinear, "bicubic": Bicubic} {
		check("jpeg_down_"+name, ResizedCrop(src, image.Rect(7, 5, 55, 41), 23, 17, interp, false))
		check("jpeg_up_"+name, ResizedCrop(src, image.Rect(11, 9, 31, 25), 41, 33, interp, false))
	}
	ev, err := NewEval(EvalConfig{Size: 32, CropPct: 0.875, Interp: Bicubic, Std: [3]float32{1.0 / 255, 1.0 / 255, 1.0 / 255}})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 32*32*3)
	if err := ev.Apply(src, nil, dst); err != nil {
		t.Fatal(err)
	}
	evImg := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for i := range 32 * 32 {
		for c := range 3 {
			evImg.Pix[4*i+c] = clampRound(dst[3*i+c])
		}
	}
	check("jpeg_eval_bicubic", evImg)
}

// TestPlanarMatchesRGBFirst: without subsampling (4:4:4) and with colours inside the RGB
// gamut, resampling the planes and converting equals converting and resampling RGB up to
// rounding: the conversion is affine and the filters linear. The RGB-first path rounds
// the converted pixels to 8 bits (±0.5 per channel) and clips bicubic overshoot per RGB
// channel rather than per plane. Measured max 1, mean 0.07–0.22; bounds 2 and 0.4.
func TestPlanarMatchesRGBFirst(t *testing.T) {
	src := image.NewYCbCr(image.Rect(0, 0, 90, 70), image.YCbCrSubsampleRatio444)
	rng := newRNG(9)
	for y := range 70 {
		for x := range 90 {
			i := y*src.YStride + x
			src.Y[i] = uint8(60 + (x+y)*110/160 + rng.IntN(24))
			src.Cb[i] = uint8(108 + x*40/90 + rng.IntN(8)) // within ±40 of grey: no RGB clipping
			src.Cr[i] = uint8(148 - y*40/70 + rng.IntN(8))
		}
	}
	rgb := image.NewRGBA(src.Rect)
	draw.Draw(rgb, rgb.Rect, src, image.Point{}, draw.Src)
	for _, interp := range []Interpolation{Nearest, Bilinear, Bicubic} {
		for _, c := range []struct {
			box  image.Rectangle
			w, h int
		}{{image.Rect(3, 5, 83, 66), 37, 29}, {image.Rect(10, 10, 30, 25), 45, 33}, {src.Rect, 90, 70}} {
			got := ResizedCrop(src, c.box, c.w, c.h, interp, false)
			want := ResizedCrop(rgb, c.box, c.w, c.h, interp, false)
			worst, mean := nrgbaDiff(got, want)
			if worst > 2 || mean > 0.4 {
				t.Errorf("%v %v→%d×%d: max |diff| %d (allowed 2), mean %.3f (allowed 0.4)", interp, c.box, c.w, c.h, worst, mean)
			}
		}
	}
}

// TestHfilter8MatchesDot8: the SIMD horizontal filter equals dot8 (the same products and
// summation tree, one output at a time) bit for bit, for every output count (the tail
// after the last group of 8 is scalar) and tap count up to 8.
func TestHfilter8MatchesDot8(t *testing.T) {
	rng := newRNG(4)
	src := make([]float32, 300+8)
	for i := range 300 {
		src[i] = float32(rng.IntN(256))
	}
	for _, out := range []int{1, 7, 8, 9, 23, 64, 129} {
		for _, scale := range []float64{0.4, 1, 1.6} {
			in := min(int(float64(out)*scale)+1, 300)
			var c coeffs
			c.compute(axis{inSize: in, scale: float64(in) / float64(out), out: out}, Bicubic)
			if !c.pack8() {
				t.Fatalf("%d outputs from %d: pack8 refused", out, in)
			}
			got := make([]float32, out)
			c.hfilter8(src, 0, got)
			for x := range out {
				if want := c.dot8(src, 0, x); math.Float32bits(got[x]) != math.Float32bits(want) {
					t.Fatalf("%d outputs from %d: output %d = %v, dot8 %v", out, in, x, got[x], want)
				}
				var ref float64 // and both are the filter, to float32 rounding
				for k := range c.count[x] {
					ref += float64(c.w[x*c.k+k]) * float64(src[c.start[x]+k])
				}
				if math.Abs(float64(got[x])-ref) > 1e-3 {
					t.Fatalf("%d outputs from %d: output %d = %v, the taps sum to %v", out, in, x, got[x], ref)
				}
			}
		}
	}
	var c coeffs // a 2.5× bicubic reduction has more than 8 taps: not packed
	c.compute(axis{inSize: 250, scale: 2.5, out: 100}, Bicubic)
	if c.pack8() {
		t.Fatal("pack8 accepted more than 8 taps")
	}
}

// TestVfilterMatchesScaleToAxpy: the fused vertical pass equals scaleTo then axpy per tap
// bit for bit (the outputs of the RGB path depend on it: TestOutputsMatchC82f604).
func TestVfilterMatchesScaleToAxpy(t *testing.T) {
	rng := newRNG(5)
	const stride = 61
	rows := make([]float32, 12*stride)
	for i := range rows {
		rows[i] = float32(rng.IntN(256)) + 0.25
	}
	for _, n := range []int{1, 8, 13, 61} {
		for taps := 1; taps <= 12; taps++ {
			w := make([]float32, taps)
			for k := range w {
				w[k] = float32(rng.NormFloat64())
			}
			got, want := make([]float32, n), make([]float32, n)
			vfilter(got, rows, stride, w)
			scaleTo(want, rows[:n], w[0])
			for k := 1; k < taps; k++ {
				axpy(want, rows[k*stride:k*stride+n], w[k])
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n %d taps %d: value %d = %v, scaleTo+axpy %v", n, taps, i, got[i], want[i])
				}
			}
		}
	}
}

// TestBytesToFloatsExact: every length, with and without bytes to read ahead.
func TestBytesToFloatsExact(t *testing.T) {
	src := make([]uint8, 80)
	for i := range src {
		src[i] = uint8(255 - i*3)
	}
	for n := range 41 {
		for _, ahead := range []int{0, 16} {
			dst := make([]float32, n)
			bytesToFloats(dst, src[:n+ahead])
			for i, v := range dst {
				if v != float32(src[i]) {
					t.Fatalf("n %d ahead %d: value %d = %v, want %d", n, ahead, i, v, src[i])
				}
			}
		}
	}
}

// randomRow is w values in [-20, 280): beyond [0, 255] on both sides, to clip.
func randomRow(rng *rand.Rand, w int) []float32 {
	r := make([]float32, w)
	for i := range r {
		r[i] = float32(rng.Float64()*300 - 20)
	}
	return r
}

// TestYCbCrToBytesMatchesRows: the fused conversion of planar rows to bytes stores what
// converting to RGB rows (ycbcrToRGBRow) and emitBytes store, for every width (the SIMD
// groups overlap at the end of a row that is not a multiple of 8) and both flips, with
// values outside [0, 255] to clip; and it writes nothing past its row (the 4-byte stores
// spill one byte).
func TestYCbCrToBytesMatchesRows(t *testing.T) {
	rng := newRNG(8)
	for _, w := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 40, 224} {
		yy, cb, cr := randomRow(rng, w), randomRow(rng, w), randomRow(rng, w)
		for _, flip := range []bool{false, true} {
			row := make([]float32, 3*w)
			ycbcrToRGBRow(row, yy, cb, cr)
			want := make([]uint8, 3*w)
			emitBytes(want, w, flip)(0, row)
			buf := make([]uint8, 3*w+4)
			for i := range buf {
				buf[i] = 0xA5
			}
			emitPlanesBytes(buf[:3*w], w, flip, make([]uint32, w))(0, yy, cb, cr)
			for i := range want {
				if buf[i] != want[i] {
					t.Fatalf("width %d flip %v: byte %d = %d, via RGB rows %d", w, flip, i, buf[i], want[i])
				}
			}
			for i := 3 * w; i < len(buf); i++ {
				if buf[i] != 0xA5 {
					t.Fatalf("width %d flip %v: byte %d past the row was written", w, flip, i)
				}
			}
		}
	}
}

// TestYCbCrToFloatsMatchesRows: the fused conversion of planar rows to normalised floats
// equals converting to RGB rows (ycbcrToRGBRow) and emitFloat, bit for bit, for every
// width and both flips.
func TestYCbCrToFloatsMatchesRows(t *testing.T) {
	rng := newRNG(9)
	nm := newNormalizer(ImageNetMean, ImageNetStd)
	for _, w := range []int{1, 7, 8, 9, 17, 40, 224} {
		yy, cb, cr := randomRow(rng, w), randomRow(rng, w), randomRow(rng, w)
		for _, flip := range []bool{false, true} {
			row := make([]float32, 3*w)
			ycbcrToRGBRow(row, yy, cb, cr)
			want, got := make([]float32, 3*w), make([]float32, 3*w)
			nm.emitFloat(want, w, flip)(0, row)
			nm.emitPlanesFloat(got, w, flip)(0, yy, cb, cr)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("width %d flip %v: value %d = %v, via RGB rows %v", w, flip, i, got[i], want[i])
				}
			}
		}
	}
}

// TestPlanarTinyImages: images of one to three pixels a side, in every chroma layout,
// train (RandomResizedCrop enlarges them to 224) and eval, give the one colour they hold
// everywhere: the chroma grid has a single sample or two, and every edge clamp is hit.
func TestPlanarTinyImages(t *testing.T) {
	tr, err := NewTrain(TrainConfig{Size: 32, Scale: [2]float64{0.08, 1}, Ratio: [2]float64{0.75, 1.333}, Interp: Bicubic,
		HFlip: 0.5, Mean: ImageNetMean, Std: ImageNetStd})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := NewEval(EvalConfig{Size: 32, CropPct: 0.875, Interp: Bilinear, Mean: ImageNetMean, Std: ImageNetStd})
	if err != nil {
		t.Fatal(err)
	}
	r, g, b := jfifRGB(100, 90, 170) // 158.9, 83.1, 32.7: far from a rounding boundary
	want := [3]uint8{clampRound(r), clampRound(g), clampRound(b)}
	for _, ratio := range allRatios {
		for _, size := range []image.Point{{1, 1}, {2, 1}, {1, 2}, {3, 3}, {5, 2}} {
			img := image.NewYCbCr(image.Rectangle{Max: size}, ratio)
			for i := range img.Y {
				img.Y[i] = 100
			}
			for i := range img.Cb {
				img.Cb[i], img.Cr[i] = 90, 170
			}
			dst := make([]uint8, 32*32*3)
			for seed := range uint64(3) {
				if err := tr.ApplyBytes(img, newRNG(seed), dst); err != nil {
					t.Fatal(err)
				}
				checkSolid(t, dst, want, fmt.Sprintf("train %v %v seed %d", ratio, size, seed))
			}
			if err := ev.ApplyBytes(img, nil, dst); err != nil {
				t.Fatal(err)
			}
			checkSolid(t, dst, want, fmt.Sprintf("eval %v %v", ratio, size))
		}
	}
}

func checkSolid(t *testing.T, pix []uint8, want [3]uint8, what string) {
	t.Helper()
	for i := 0; i < len(pix); i += 3 {
		if [3]uint8(pix[i:i+3]) != want {
			t.Fatalf("%s: pixel %d is %v, want %v", what, i/3, pix[i:i+3], want)
		}
	}
}
