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
// floats straight into dst, instead of allocating intermediate images.
// Resize and RandAugment ops follow Pillow (what torchvision and timm run
// on); TestAgainstPillow checks them against Pillow's own outputs
// (testdata/gen_pil.py): table and enhance ops exactly, resampling within one
// 8-bit level.
//
// Train pipeline, in the rng's draw order: RandomResizedCrop box, flip,
// RandAugment (on the 8-bit image at output size), normalisation, random
// erasing (on the floats). Batches then go through Mixer (Mixup/CutMix with
// soft, label-smoothed targets) or SmoothLabels.
package augment
