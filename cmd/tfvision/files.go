package main

import (
	"path/filepath"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/internal/atomicfile"
)

// writeFile writes data atomically (temp file + rename), creating parent directories.
func writeFile(path string, data []byte) error { return atomicfile.WriteBytes(path, false, data) }

// writeRunAtStep0 makes dir a run that train --init, eval and predict load: cfg as
// dir/config.yaml and store as its step-0 checkpoint (meta.Config is set to that YAML).
// It returns the checkpoint's path. The caller holds the run's lock.
func writeRunAtStep0(dir string, cfg configs.Config, store *model.Store, meta checkpoint.Meta) (string, error) {
	data, err := configs.Marshal(cfg)
	if err != nil {
		return "", err
	}
	if err := writeFile(filepath.Join(dir, "config.yaml"), data); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "checkpoints", checkpoint.Name(0))
	meta.Config = string(data)
	return path, checkpoint.Save(path, store, meta)
}
