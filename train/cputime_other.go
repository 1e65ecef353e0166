//go:build !unix

package train

// processCPUSeconds is unknown here: bench reports 0 CPU seconds per step.
func processCPUSeconds() float64 { return 0 }
