// Package decode turns image files (JPEG, PNG, GIF, sniffed from their bytes) into
// opaque *image.RGBA, or a JPEG's YCbCr planes for readers that resample them
// (Options.YCbCr), for the loader, the shard packer and prediction.
//
// It owns everything about getting pixels out of a file that a dataset in the wild
// needs:
//
//   - the format comes from the magic bytes, never the name (ImageNet ships a PNG
//     named .JPEG);
//   - the header is read first and an image claiming more than a pixel limit
//     ([DefaultMaxPixels], data.max_pixels) is refused before anything is allocated
//     for it ([ErrTooLarge]): a few hundred hostile bytes cannot cost gigabytes;
//   - CMYK, YCCK and grayscale JPEGs become RGB, so transforms see one pixel layout;
//   - JPEGs go through libjpeg-turbo when libturbojpeg.so.0 can be loaded at run time
//     (jpeg_turbo.go: dlopen through cgo, no headers or -dev package at build time),
//     else image/jpeg. TFVISION_JPEG=std ([JPEGEnv]) forces the latter, and
//     [JPEGDecoder] says which is in use. Anything libjpeg-turbo refuses or only warns
//     about is decoded again by image/jpeg, so errors are the standard library's
//     whichever decoder runs;
//   - with libjpeg-turbo, a size hint ([Options]) gives a 1/2, 1/4 or 1/8 scale decode
//     ([Scaled]), the reduction done in the IDCT.
//
// It knows nothing of datasets, labels, transforms or models: it must not import
// imagenet (its parent, which imports it), vision, augment, train or eval
// (internal/layering checks this). What a transform needs from the decoder (a size
// hint, a crop planned on the full size) is expressed by the imagenet loader in
// terms of [Options] and [Scaled].
package decode
