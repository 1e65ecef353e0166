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
		code := exitCode(err)
		if code == exitInterrupted {
			fmt.Fprintln(os.Stderr, "tfvision:", err)
		} else {
			fmt.Fprintln(os.Stderr, "tfvision: error:", err)
		}
		os.Exit(code)
	}
}

// exitInterrupted is the shell's status for a process ended by Ctrl-C (128 + SIGINT).
const exitInterrupted = 130

// exitCode maps a command's error to the process status: 130 for an interrupt (train's
// checkpointed stop, or any command whose context was cancelled), else 1.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, train.ErrInterrupted), errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return 1
}
