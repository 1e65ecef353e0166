package augment

import (
	"image"
	"math"
	"testing"
)

// smoothRGBA is photo-like content without per-pixel noise (waves, gradients), for which
// a 2×2 / 4×4 area average is a fair stand-in for a reduced-scale JPEG decode.
func smoothRGBA(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			o := img.PixOffset(x, y)
			img.Pix[o] = uint8(128 + 80*math.Sin(float64(x)/37)*math.Cos(float64(y)/29))
			img.Pix[o+1] = uint8(x * 255 / w)
			img.Pix[o+2] = uint8(y * 255 / h)
			img.Pix[o+3] = 255
		}
	}
	return img
}

// boxDownRGBA averages f×f blocks (the last block of a row/column may be partial), the
// size a libjpeg-turbo 1/f decode has: ceil(w/f) × ceil(h/f).
func boxDownRGBA(src *image.RGBA, f int) *image.RGBA {
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	ow, oh := (w+f-1)/f, (h+f-1)/f
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range oh {
		for x := range ow {
			var s [3]int
			n := 0
			for yy := y * f; yy < min(y*f+f, h); yy++ {
				for xx := x * f; xx < min(x*f+f, w); xx++ {
					o := src.PixOffset(xx, yy)
					s[0], s[1], s[2] = s[0]+int(src.Pix[o]), s[1]+int(src.Pix[o+1]), s[2]+int(src.Pix[o+2])
					n++
				}
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(s[0]/n), uint8(s[1]/n), uint8(s[2]/n), 255
		}
	}
	return dst
}

// TestApplyScaled: the train transform on a reduced decode (imagenet.CropPlanner).
//   - At scale 1 on the full image ApplyScaled is Apply, bit for bit (full recipe:
//     RandAugment and erasing draw after the crop from the same stream).
//   - MinDecodeSizeFor draws the same crop as Apply: decoding at the size it asks for
//     leaves the mapped crop at least Size pixels in each direction.
//   - On a 1/2 and 1/4 area-averaged image, ApplyScaled gives nearly Apply's output on
//     the full image (the crop and resize are the same; only the source resolution
//     differs): mean abs difference < 2/255 on smooth content.
func TestApplyScaled(t *testing.T) {
	full := smoothRGBA(1203, 901)
	fw, fh := 1203, 901
	cfg := DefaultTrainConfig()
	cfg.Size = 64
	tr, err := NewTrain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	plain := cfg
	plain.RandAugment, plain.ReProb = "", 0
	tp, err := NewTrain(plain)
	if err != nil {
		t.Fatal(err)
	}
	n := cfg.Size * cfg.Size * 3
	a, b := make([]float32, n), make([]float32, n)
	for seed := range uint64(20) {
		if err := tr.Apply(full, newRNG(seed), a); err != nil {
			t.Fatal(err)
		}
		if err := tr.ApplyScaled(full, fw, fh, 1, newRNG(seed), b); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("seed %d: ApplyScaled at scale 1 differs from Apply at %d: %v vs %v", seed, i, b[i], a[i])
			}
		}
		minW, minH := tr.MinDecodeSizeFor(fw, fh, newRNG(seed))
		box := SampleRRCBox(fw, fh, cfg.Scale, cfg.Ratio, newRNG(seed))
		if float64(box.Dx())*float64(minW)/float64(fw) < float64(cfg.Size) || float64(box.Dy())*float64(minH)/float64(fh) < float64(cfg.Size) {
			t.Errorf("seed %d: box %v at %dx%d spans less than %d px", seed, box, minW, minH, cfg.Size)
		}
	}
	for _, f := range []int{2, 4} {
		small := boxDownRGBA(full, f)
		var sum float64
		count := 0
		for seed := range uint64(20) {
			// Only crops that still cover Size pixels at 1/f (what the loader decodes).
			if minW, minH := tp.MinDecodeSizeFor(fw, fh, newRNG(seed)); minW > small.Bounds().Dx() || minH > small.Bounds().Dy() {
				continue
			}
			if err := tp.Apply(full, newRNG(seed), a); err != nil {
				t.Fatal(err)
			}
			if err := tp.ApplyScaled(small, fw, fh, 1/float64(f), newRNG(seed), b); err != nil {
				t.Fatal(err)
			}
			for i := range a {
				sum += math.Abs(float64(a[i]-b[i])) * 0.226 * 255 // back to 0..255 (std ≈ 0.226)
			}
			count++
		}
		if count == 0 {
			t.Fatalf("1/%d: no crop small enough", f)
		}
		if mae := sum / float64(count*n); mae > 2 {
			t.Errorf("1/%d: ApplyScaled vs Apply on the full image: mean abs diff %.2f/255 over %d crops", f, mae, count)
		} else {
			t.Logf("1/%d: mean abs diff %.2f/255 over %d crops", f, mae, count)
		}
	}
}
