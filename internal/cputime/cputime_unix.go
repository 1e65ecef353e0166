//go:build unix

package cputime

import "syscall"

// Seconds is the user+system CPU time of the process so far (0 if unknown).
func Seconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
