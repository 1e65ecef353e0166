//go:build !unix

package augment

func processCPUTime() int64 { return 0 }
