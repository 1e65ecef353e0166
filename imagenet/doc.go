// Package imagenet finds, labels, decodes and batches ImageNet-style image
// folders for tfvision. It knows nothing of models: it turns files on disk
// into deterministic, sharded batches of float32 HWC images and int32 labels.
//
// # Layouts
//
// [Open] recognises three on-disk forms of ImageNet (and any generic
// class-folder dataset):
//
//   - "folders": root/train/<class>/… and/or root/val/<class>/…. Any folder
//     names and any number of classes; the class index is the position of the
//     folder name in sorted order (the torchvision/timm convention, so weights
//     interoperate).
//   - "numbered": the "folders" layout whose class folders are named by
//     class index, as ImageNet-V2 ships them: every name a canonical decimal
//     integer ("0", not "00") and together exactly 0..N-1 ([V2Order]). The
//     classes are ordered by number, so folder "10" is class 10 (sorted as
//     text it would be class 2).
//   - "devkit": a flat root/val/ILSVRC2012_val_XXXXXXXX.JPEG folder labelled by
//     the devkit's ILSVRC2012_validation_ground_truth.txt. That file holds
//     ILSVRC2012_IDs in the devkit's meta.mat order, which is NOT sorted-wnid
//     order, so the id→wnid table is read from the devkit's meta.mat (or a
//     map_clsloc.txt, or [Options.DevkitMapping]);
//     mapping "id-1" would silently give wrong labels and is never done.
//   - "kaggle": root/ILSVRC/Data/CLS-LOC/{train,val} with LOC_val_solution.csv
//     and LOC_synset_mapping.txt.
//
// A directory holding an index.json written by [Pack] is the "shards" layout:
// train-NNNNNN.tar / val-NNNNNN.tar files of NNNNNN.jpg + NNNNNN.cls members,
// read sequentially by the [Loader] (see shards.go and loader_shards.go).
//
// # Dirty data
//
// Listing skips OS litter (.DS_Store, Thumbs.db, ._*), hidden files and files
// without an image extension; every skip is counted in [Split.Ignored].
// [DecodeFile] sniffs the real format from the magic bytes (one ImageNet
// training file is a PNG named .JPEG), converts CMYK, YCCK and grayscale JPEGs
// to RGB, and names the file in every error. It reads the header first and
// refuses an image claiming more than a pixel limit ([DefaultMaxPixels],
// LoaderConfig.MaxPixels) before allocating anything for it. The [Loader]
// never aborts an epoch on an unreadable file: it counts the failure in
// [Loader.Stats] and substitutes the next readable sample (see
// loader_failures.go).
//
// # JPEG decoders
//
// JPEGs are decoded by libjpeg-turbo when libturbojpeg.so.0 can be loaded at
// run time (jpeg_turbo.go), else by image/jpeg; TFVISION_JPEG=std forces the
// latter and [JPEGDecoder] says which is in use. With libjpeg-turbo,
// transforms that need less than the full image ([DecodeHinter],
// [CropPlanner]) get a 1/2, 1/4 or 1/8 scale decode.
//
// # Determinism
//
// The epoch order is a permutation seeded by (Seed, epoch); every sample's
// augmentation draws from [SampleRNG](Seed, epoch, slot). Batches are therefore
// byte-identical whatever the number of decode workers, and a resumed run can
// restart mid-epoch with [Loader.Epoch]'s startStep.
//
// # Listing cache
//
// Listing 1.28M files takes minutes on network disks, so [Open] stores the
// listing in root/.tfvision-index (or a per-user cache dir when root is
// read-only) and reuses it while the directory mtimes it recorded are unchanged.
package imagenet
