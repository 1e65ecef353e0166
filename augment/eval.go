package augment

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

// EvalConfig configures the evaluation transform (timm semantics): resize the
// short side to floor(Size / CropPct), keeping the aspect ratio, then take the
// central Size×Size crop.
type EvalConfig struct {
	Size      int     // output height and width, 1..8192
	CropPct   float64 // (0,1]; 0.875 gives 224 from 256
	Interp    Interpolation
	Mean, Std [3]float32
}

// DefaultEvalConfig is the ImageNet eval transform: bicubic, 224 from 256.
func DefaultEvalConfig() EvalConfig {
	return EvalConfig{Size: 224, CropPct: 0.875, Interp: Bicubic, Mean: ImageNetMean, Std: ImageNetStd}
}

// Eval is the deterministic evaluation transform. The resize and the center
// crop are one pass: only the output pixels of the crop are computed, with the
// filter taps of the full resize (so values equal resize-then-crop).
type Eval struct {
	cfg  EvalConfig
	norm normalizer
}

// NewEval validates cfg and builds the transform.
func NewEval(cfg EvalConfig) (*Eval, error) {
	if cfg.Size < 1 || cfg.Size > 8192 {
		return nil, fmt.Errorf("augment: EvalConfig.Size = %d, want 1..8192", cfg.Size)
	}
	if !(cfg.CropPct > 0 && cfg.CropPct <= 1) {
		return nil, fmt.Errorf("augment: EvalConfig.CropPct = %v, want (0,1]", cfg.CropPct)
	}
	if !cfg.Interp.valid() {
		return nil, fmt.Errorf("augment: EvalConfig.Interp = %v, want bilinear, bicubic or nearest", cfg.Interp)
	}
	if err := checkStd("EvalConfig", cfg.Std); err != nil {
		return nil, err
	}
	return &Eval{cfg: cfg, norm: newNormalizer(cfg.Mean, cfg.Std)}, nil
}

// Config returns the configuration the transform was built with.
func (e *Eval) Config() EvalConfig { return e.cfg }

// Size returns the output height and width.
func (e *Eval) Size() (h, w int) { return e.cfg.Size, e.cfg.Size }

// EvalGeometry returns, for a w×h image, the resized size (rw×rh, short side
// floor(size/cropPct), long side truncated as torchvision does) and the
// crop's top-left corner in the resized image (Python's round half to even,
// as torchvision's center_crop). Since cropPct <= 1 the resized image always
// covers the crop.
func EvalGeometry(w, h, size int, cropPct float64) (rw, rh, top, left int) {
	short := int(math.Floor(float64(size) / cropPct))
	if w <= h {
		rw, rh = short, int(float64(short)*float64(h)/float64(w))
	} else {
		rh, rw = short, int(float64(short)*float64(w)/float64(h))
	}
	top = int(math.RoundToEven(float64(rh-size) / 2))
	left = int(math.RoundToEven(float64(rw-size) / 2))
	return rw, rh, top, left
}

// Apply writes the evaluation view of img into dst (Size×Size×3, HWC, RGB,
// normalised). rng is unused.
func (e *Eval) Apply(img image.Image, _ *rand.Rand, dst []float32) error {
	n := e.cfg.Size
	b, err := checkApply(img, dst, n)
	if err != nil {
		return err
	}
	rw, rh, top, left := EvalGeometry(b.Dx(), b.Dy(), n, e.cfg.CropPct)
	ax := axis{lo: b.Min.X, inSize: b.Dx(), scale: float64(b.Dx()) / float64(rw), off: left, out: n}
	ay := axis{lo: b.Min.Y, inSize: b.Dy(), scale: float64(b.Dy()) / float64(rh), off: top, out: n}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	resample(img, ax, ay, e.cfg.Interp, s, e.norm.emitFloat(dst, n, false))
	return nil
}

// MinDecodeSize lets the loader decode large JPEGs at a reduced DCT scale (as PIL's
// draft mode): the transform needs the short side to be at least ⌊size/crop_pct⌋.
func (e *Eval) MinDecodeSize() (w, h int) {
	s := int(math.Floor(float64(e.cfg.Size) / e.cfg.CropPct))
	return s, s
}
