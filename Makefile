# Every build, test and run goes through here so GOEXPERIMENT=simd is never forgotten:
# without it the pure-Go backend's matmul falls back to scalar code (~10x slower).
export GOEXPERIMENT := simd
# With GOEXPERIMENT=simd the upper vector state stays dirty after the SIMD kernels, and the
# VEX-encoded FMA path of math.Exp then makes every scalar SSE instruction ~100x slower
# (measured: math.Exp 16 ns -> 1350 ns, math.Erf 35 ns -> 1790 ns). Turning the FMA path
# off restores them; the SIMD matmul kernels do not depend on it. tfvision re-execs itself
# with this setting, tests get it here.
export GODEBUG := cpu.fma=off
GO ?= go

.PHONY: build test test-long demo bench vet

build:
	$(GO) build -o bin/tfvision ./cmd/tfvision

test:
	$(GO) test -count=1 ./...

# Learning-level checks (loss falls, demo accuracy) live behind the "long" build tag.
test-long:
	$(GO) test -count=1 -tags long -timeout 60m ./...

demo: build
	./bin/tfvision demo

vet:
	$(GO) vet ./...
