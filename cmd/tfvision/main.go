// Command tfvision trains, evaluates and serves TokenFormer and ViT image classifiers.
// It is a thin shell over the library packages: flags and config in, calls out.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tfvision/tfvision/train"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := newRoot().ExecuteContext(ctx)
	stopCPUProfile()
	if err != nil {
		if errors.Is(err, train.ErrInterrupted) {
			fmt.Fprintln(os.Stderr, "tfvision:", err)
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "tfvision: error:", err)
		os.Exit(1)
	}
}
