// Package imagenet finds, labels and batches ImageNet-style image folders for
// tfvision. It knows nothing of models: it turns files on disk into deterministic,
// sharded batches of float32 HWC images and int32 labels.
//
// It owns the on-disk layouts and their listing (with its cache), the class tables
// (the shipped ImageNet names, the devkit's meta.mat through a small MAT-file reader),
// packed tar shards ([Pack] and their streaming reader), the [Loader] and its
// throughput benchmark ([Bench]). Decoding one file into pixels is package
// [github.com/tfvision/tfvision/imagenet/decode]; writing datasets (MNIST export,
// synthetic JPEGs) is package [github.com/tfvision/tfvision/imagenet/datagen].
//
// It must not import vision, augment, train, eval, configs, checkpoint, run or predict
// (transforms come in through the [Transform] interface, classes are label.Class), nor
// imagenet/datagen: internal/layering checks all of it.
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
// The decoder sniffs the real format from the magic bytes (one ImageNet
// training file is a PNG named .JPEG), converts CMYK, YCCK and grayscale JPEGs
// to RGB, and refuses an image whose header claims more than a pixel limit
// (LoaderConfig.MaxPixels) before allocating anything for it. The [Loader] never
// aborts an epoch on an unreadable file: it counts the failure in [Loader.Stats]
// and substitutes the next readable sample (see loader_failures.go).
//
// # Reduced decodes
//
// With libjpeg-turbo, transforms that need less than the full image
// ([DecodeHinter], [CropPlanner]) get a 1/2, 1/4 or 1/8 scale decode: the loader
// passes their size hint to decode and hands a [CropPlanner] the scale it got
// (loader_decode.go).
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
