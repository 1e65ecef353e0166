package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// addProfileFlag gives every command --cpuprofile FILE: a pprof CPU profile of the whole
// command (read it with `go tool pprof bin/tfvision FILE`). Optimising starts from one.
func addProfileFlag(root *cobra.Command) {
	var path string
	var file *os.File
	root.PersistentFlags().StringVar(&path, "cpuprofile", "", "write a pprof CPU profile of the command to `FILE`")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if path == "" {
			return nil
		}
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile %s: %w", path, err)
		}
		file = f
		return nil
	}
	// cobra skips post-runs when RunE fails; stopProfile is also deferred by main.
	root.PersistentPostRunE = func(cmd *cobra.Command, args []string) error { return stopProfile(&file) }
	stopCPUProfile = func() { _ = stopProfile(&file) }
}

// stopCPUProfile ends a profile started by --cpuprofile (a no-op otherwise); main calls it
// on every exit path so a failing or interrupted command still leaves a readable profile.
var stopCPUProfile = func() {}

func stopProfile(file **os.File) error {
	if *file == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := (*file).Close()
	*file = nil
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	return nil
}
