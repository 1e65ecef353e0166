package main

import (
	"os"
	"runtime"
	"strings"
	"syscall"
)

// reexecWithFastMath restarts the process once with GODEBUG=cpu.fma=off. Under
// GOEXPERIMENT=simd the FMA (VEX) path of math.Exp leaves the CPU in a state where every
// later scalar SSE instruction is ~100× slower (measured: math.Exp 16 → 1350 ns, math.Erf
// 35 → 1790 ns), which made training steps 2× slower. The SIMD matmul kernels don't use
// that path. GODEBUG is read at process start, hence the re-exec; TFVISION_NO_REEXEC=1
// skips it.
func reexecWithFastMath() {
	if runtime.GOARCH != "amd64" || os.Getenv("TFVISION_NO_REEXEC") != "" || strings.Contains(os.Getenv("GODEBUG"), "cpu.fma=off") {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	godebug := "cpu.fma=off"
	if old := os.Getenv("GODEBUG"); old != "" {
		godebug = old + "," + godebug
	}
	env := append(os.Environ(), "GODEBUG="+godebug)
	_ = syscall.Exec(exe, os.Args, env) // on failure, carry on at the slower speed
}
