package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/imagenet/decode"
)

// Version is set at build time with -ldflags "-X main.Version=v1.2.3".
var Version = "dev"

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "tfvision",
		Short: "Train, evaluate and serve TokenFormer vision models",
		Long: `tfvision trains, evaluates and serves TokenFormer vision models (ViT-style classifiers whose
linear projections are Pattention layers) and their ViT baselines, on ImageNet-layout data.
It runs on GPUs/TPUs through XLA (PJRT plugins) and anywhere else on the pure-Go backend.

Backends (--backend, the backend: config key, or GOMLX_BACKEND): "go" (pure Go), "xla:cuda",
"xla:cpu", "xla:/abs/path/pjrt_plugin.so". Default: XLA when a PJRT plugin is installed,
otherwise the pure-Go backend.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newVersionCmd(), newModelsCmd(), newBenchCmd(), newDataCmd(), newTrainCmd(),
		newEvalCmd(), newPredictCmd(), newExportCmd(), newImportCmd(), newGrowCmd(), newCheckCmd(), newDemoCmd())
	addProfileFlag(root)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the tfvision version and the versions of its engine",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tfvision %s\n", Version)
			if info, ok := debug.ReadBuildInfo(); ok {
				fmt.Fprintf(out, "go %s\n", info.GoVersion)
				for _, d := range info.Deps {
					switch d.Path {
					case "github.com/gomlx/gomlx", "github.com/gomlx/compute", "github.com/gomlx/go-xla":
						fmt.Fprintf(out, "%s %s\n", d.Path, d.Version)
					}
				}
				for _, s := range info.Settings {
					if s.Key == "GOEXPERIMENT" || s.Key == "vcs.revision" {
						fmt.Fprintf(out, "%s %s\n", s.Key, s.Value)
					}
				}
			}
			if os.Getenv("GODEBUG") != "" {
				fmt.Fprintf(out, "GODEBUG %s\n", os.Getenv("GODEBUG"))
			}
			fmt.Fprintf(out, "jpeg %s\n", decode.JPEGDecoder())
			return nil
		},
	}
}
