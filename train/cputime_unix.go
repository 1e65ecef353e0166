//go:build unix

package train

import "syscall"

// processCPUSeconds is the user+system CPU time of the process so far. Bench reports CPU
// time per step next to wall time: on a shared machine wall time swings with other load,
// the CPU time a step spends much less.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
