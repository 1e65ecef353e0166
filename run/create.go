package run

import (
	"fmt"
	"path/filepath"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/internal/atomicfile"
	"github.com/tfvision/tfvision/internal/runlock"
)

// Create makes dir a new run that `train --init`, eval and predict load: cfg as
// dir/config.yaml and store as its step-0 checkpoint (meta.Config is set to that YAML).
// It is how `tfvision import` and `tfvision grow` write their output. what names the
// writer in the run's lock (one writer per run directory). A directory that already holds
// checkpoints is refused: its run would be silently mixed with the new one.
// It returns the checkpoint's path.
func Create(dir, what string, cfg configs.Config, store *model.Store, meta checkpoint.Meta) (string, error) {
	lock, err := runlock.Acquire(dir, what)
	if err != nil {
		return "", err
	}
	defer lock.Release()
	ckdir := filepath.Join(dir, "checkpoints")
	if existing, err := checkpoint.List(ckdir); err != nil {
		return "", err
	} else if len(existing) > 0 {
		return "", fmt.Errorf("%s already holds a run (%d checkpoints in %s): write into a new directory", dir, len(existing), ckdir)
	}
	data, err := configs.Marshal(cfg)
	if err != nil {
		return "", err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "config.yaml"), false, data); err != nil {
		return "", err
	}
	path := filepath.Join(ckdir, checkpoint.Name(0))
	meta.Config = string(data)
	return path, checkpoint.Save(path, store, meta)
}
