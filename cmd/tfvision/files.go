package main

import (
	"github.com/tfvision/tfvision/internal/atomicfile"
)

// writeFile writes data atomically (temp file + rename), creating parent directories.
func writeFile(path string, data []byte) error { return atomicfile.WriteBytes(path, false, data) }
