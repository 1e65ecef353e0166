package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/train"
)

func newDemoCmd() *cobra.Command {
	var dataDir, out, idx string
	var sets []string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Export MNIST to an ImageNet-layout tree and train + evaluate a small TokenFormer on it",
		Long: `The README's first command: a real run on real data on any machine. It writes MNIST as
PNG class folders (train/ and val/, via the GoMNIST module's IDX files), then trains the
embedded "demo" config (a 3-block TokenFormer, pure-Go backend) through the same loader,
augmentation, training loop and checkpoints as an ImageNet run, and evaluates it on the
10,000 MNIST test images.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			if _, err := os.Stat(filepath.Join(dataDir, "val")); err != nil {
				if err := exportMNIST(cmd, dataDir, idx, 0, 0); err != nil {
					return err
				}
			}
			flags := map[string]string{"data.dir": dataDir, "out": out}
			cfg, err := configs.Load(configs.Source{File: "demo", Env: os.Environ(), Flags: flags, Sets: sets})
			if err != nil {
				return err
			}
			sum, err := train.Run(cmd.Context(), train.Options{Config: cfg, Out: cmd.OutOrStdout(), Progress: cfg.Log.Progress})
			if err != nil {
				return err
			}
			printSummary(cmd, sum)
			fmt.Fprintf(cmd.OutOrStdout(), "demo finished in %.1f minutes: MNIST test top-1 %.2f%%\nnext: tfvision predict --checkpoint %s %s/val/7\n",
				time.Since(start).Minutes(), sum.ValTop1, out, dataDir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data", "data/mnist", "where the MNIST tree is (written if missing)")
	f.StringVar(&out, "out", "runs/demo", "run directory")
	f.StringVar(&idx, "idx", "", "MNIST IDX directory (default: the GoMNIST module)")
	f.StringArrayVar(&sets, "set", nil, "override a config key of the demo, e.g. --set optim.epochs=1")
	return cmd
}
