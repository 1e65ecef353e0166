package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/train"
)

// configFlags are the flags every config-driven command shares.
type configFlags struct {
	config, data, out, backend string
	sets                       []string
}

func (c *configFlags) register(cmd *cobra.Command, defaultConfig string) {
	f := cmd.Flags()
	f.StringVar(&c.config, "config", defaultConfig, "YAML config file, or the name of an embedded one: "+joinNames())
	f.StringVar(&c.data, "data", "", "dataset root (sets data.dir)")
	f.StringVar(&c.out, "out", "", "run directory (sets out)")
	f.StringVar(&c.backend, "backend", "", "backend: go, xla:cuda, xla:/abs/path/plugin.so (sets backend)")
	f.StringArrayVar(&c.sets, "set", nil, "override any config key, e.g. --set optim.lr=1e-3 (repeatable)")
}

func joinNames() string {
	s := ""
	for i, n := range configs.Names() {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

func (c *configFlags) load() (configs.Config, error) {
	flags := map[string]string{}
	if c.data != "" {
		flags["data.dir"] = c.data
	}
	if c.out != "" {
		flags["out"] = c.out
	}
	if c.backend != "" {
		flags["backend"] = c.backend
	}
	return configs.Load(configs.Source{File: c.config, Env: os.Environ(), Flags: flags, Sets: c.sets})
}

func newTrainCmd() *cobra.Command {
	var cf configFlags
	var fresh, noProgress bool
	var initFrom string
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train a model from a YAML config (resumes when the run directory has checkpoints)",
		Long: `Train from a config: the YAML file, then TFVISION_* environment variables (TFVISION_OPTIM_LR
sets optim.lr), then --data/--out/--backend and --set key=value. The resolved config is
printed and saved as OUT/config.yaml. Re-running with the same --out resumes from the
latest checkpoint (weights, optimizer moments, EMA, step, schedule and data order);
Ctrl-C saves a checkpoint and exits. Metrics go to OUT/metrics.jsonl and OUT/curves.png.`,
		Example: `  tfvision train --config vit-b --data /imagenet --out runs/tf-b16
  tfvision train --config demo --set optim.epochs=1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := cf.load()
			if err != nil {
				return err
			}
			sum, err := train.Run(cmd.Context(), train.Options{Config: cfg, Init: initFrom, Fresh: fresh,
				Out: cmd.OutOrStdout(), Progress: !noProgress && cfg.Log.Progress})
			if err != nil {
				return err
			}
			printSummary(cmd, sum)
			return nil
		},
	}
	cf.register(cmd, "demo")
	f := cmd.Flags()
	f.BoolVar(&fresh, "fresh", false, "ignore existing checkpoints in the run directory and start over")
	f.StringVar(&initFrom, "init", "", "start from the weights of this run directory or checkpoint (e.g. a grown model)")
	f.BoolVar(&noProgress, "no-progress", false, "no progress bar (log lines only)")
	return cmd
}

func printSummary(cmd *cobra.Command, s train.Summary) {
	out := cmd.OutOrStdout()
	speed := "no timed steps (the first one compiles)"
	if s.ImagesPerSec > 0 {
		speed = fmt.Sprintf("%.1f training images/s", s.ImagesPerSec)
	}
	fmt.Fprintf(out, "done: %d steps, %d epochs in %.0fs; %s (steps waited %.1fs for data)\n",
		s.Steps, s.Epochs, s.Seconds, speed, s.DataWaitSec)
	if s.ValTop1 > 0 {
		fmt.Fprintf(out, "validation: top-1 %.2f%%, top-5 %.2f%%", s.ValTop1, s.ValTop5)
		if s.EMATop1 > 0 {
			fmt.Fprintf(out, " (EMA top-1 %.2f%%)", s.EMATop1)
		}
		fmt.Fprintln(out)
	}
	if s.FailedFiles > 0 {
		fmt.Fprintf(out, "%d unreadable files were replaced by readable ones (see the log above)\n", s.FailedFiles)
	}
	fmt.Fprintf(out, "checkpoint: %s\n", s.Checkpoint)
}
