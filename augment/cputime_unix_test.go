//go:build unix

package augment

import "syscall"

// processCPUTime is the user+system CPU time of the process in ns. The
// benchmarks report it per op ("cpu-ns/op") because wall time on a shared
// 2-core machine swings with other load, while CPU time spent does not.
func processCPUTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
