// Package augment holds tfvision's image augmentations, written in Go for the
// input pipeline: RandomResizedCrop (torchvision box sampling), horizontal flip,
// RandAugment (timm "rand-m9-mstd0.5-inc1" semantics, PIL-style ops on 8-bit
// images), random erasing, batch-level Mixup/CutMix with soft labels, label
// smoothing, and the eval transform (resize short side, center crop).
//
// The per-image transforms (Train, Eval) satisfy the loader's contract
//
//	Size() (h, w int)
//	Apply(img image.Image, rng *rand.Rand, dst []float32) error
//
// without importing the loader: dst receives h*w*3 float32 values in HWC, RGB
// order, already normalised with (v/255 - mean) / std. ApplyBytes (pixels.go) is the
// 8-bit variant for batches normalised on the device: the same draws, the pixels before
// normalisation. Every random choice is
// drawn from the rng the loader passes in (seeded per seed, epoch and sample),
// so an image's augmentation is reproducible whatever the number of workers.
//
// The resampling hot path is hand-written (see resample.go): it reads the
// source pixels directly, resamples only the crop, and writes the normalised
// floats straight into dst, instead of allocating intermediate images. A JPEG's
// *image.YCbCr is resampled plane by plane (planar.go), libjpeg's chroma
// upsampling composed into the chroma filter, and only the output pixels are
// converted to RGB. Resize and RandAugment ops follow Pillow (what torchvision
// and timm run on); TestAgainstPillow and TestPlanarAgainstPillow check them
// against Pillow's own outputs (testdata/gen_pil.py): table and enhance ops
// exactly, resampling of RGB within one 8-bit level, of a JPEG's planes within
// 3 (mean 0.4). vec_simd.go holds the AVX2 kernels; each clears the upper
// register halves before scalar code runs (see clearUpper there).
//
// Train pipeline, in the rng's draw order: RandomResizedCrop box, flip,
// RandAugment (on the 8-bit image at output size), normalisation, random
// erasing (on the floats). Batches then go through Mixer (Mixup/CutMix with
// soft, label-smoothed targets) or SmoothLabels; those act on whole batches
// (pairs of images and their labels), so they are not spec ops.
//
// augment works on images and float buffers only: it must not import imagenet, vision,
// train, eval, configs, run or predict (configs builds augment's transforms from a run's
// config; the imagenet loader calls them through its Transform interface).
//
// # Specs
//
// A transform is written as a spec, big_vision style (NewTrainSpec, NewEvalSpec;
// the config keys augment.train_pp and augment.eval_pp):
//
//	rrc(224, scale=(0.08,1))|flip|randaug(2, 9, mstd=0.5, inc=1)|erase(0.25)
//	resize(256)|center_crop(224)|normalise(mean=(0.5,0.5,0.5), std=(0.5,0.5,0.5))
//
// Grammar: spec = op {"|" op}; op = name ["(" [arg {"," arg}] ")"];
// arg = [name "="] value, positional ones first; value = number (Go float syntax,
// or inf) | "(" value {"," value} ")" (a tuple, not nested) | 'string' or "string"
// (no escapes) | name (bilinear). Spaces are free between tokens. Positional
// arguments bind to the op's parameters in order. Errors give the op's index and
// text, the column in the spec and the argument: op 3 "randaug(2,x)" (column 25):
// argument 2 (m): want a number, got x.
//
// The ops (defaults in the signature):
//
//	rrc(size, scale=(0.08,1), ratio=(0.75,1.3333333333333333), interp=bicubic)
//	    RandomResizedCrop; size defaults to the model's image size. Train geometry.
//	resize(size, interp=bicubic)|center_crop(size)
//	    short side to size, then the central crop (timm eval: resize(⌊224/0.875⌋) = resize(256)).
//	    Eval geometry; center_crop's size defaults to the model's image size.
//	flip(p=0.5)
//	    horizontal flip; directly after the geometry it is free (fused into the resample).
//	randaug(n=2, m=10, mstd=0, mmax=10, inc=0, p=0.5, interp) or randaug('rand-m9-mstd0.5-inc1')
//	    timm RandAugment (ParseRandAugment's defaults); interp defaults to the geometry's.
//	normalise(mean=(0.485,0.456,0.406), std=(0.229,0.224,0.225)), also spelt normalize
//	    (v/255 - mean) / std. Optional: a spec without it gets these ImageNet values.
//	erase(p=0.5)
//	    timm RandomErasing (pixel mode) on the normalised floats.
//
// The ops must come in the pipeline's order, which is also the rng's draw order:
// the geometry first, then flips and 8-bit ops (in spec order), then normalise, then
// float ops (erase). That fixed shape is what lets rrc|flip|normalise stay one pass
// from the source pixels into dst; a spec out of order is an error, not a reorder.
// TrainConfig.Spec and EvalConfig.Spec write the old per-image keys as a spec, and
// NewTrain/NewEval build through it (TestOutputsMatchC82f604 pins their outputs).
//
// # Adding an augmentation
//
// One file with the op and a registration. An op on the 8-bit image at output size
// gets the image and the sample's rng, and draws every random choice from it:
//
//	func init() { augment.Register("gray", buildGray) }
//
//	// gray(p=0.1): with probability p, replace RGB by its luma.
//	func buildGray(a *augment.Args) (augment.Op, error) {
//		p := a.Float("p", 0.1)
//		if !(p >= 0 && p <= 1) {
//			return nil, a.Errorf("p", "%g, want a probability in [0,1]", p)
//		}
//		return augment.PerImage(augment.ImageFunc(func(img *image.NRGBA, rng *rand.Rand) {
//			if rng.Float64() < p {
//				toGray(img)
//			}
//		})), nil
//	}
//
// after which train_pp: "rrc|flip|gray(0.2)|erase(0.25)" runs it between the flip
// and the normalisation. Register panics on a duplicate name: registration is
// program set-up, done in init next to the op so that the op's file is the only one
// to touch (the ops above register themselves the same way).
package augment
