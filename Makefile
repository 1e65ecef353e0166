# Every build, test and run goes through here so GOEXPERIMENT=simd is never forgotten:
# without it the pure-Go backend's matmul falls back to scalar code (~10x slower).
export GOEXPERIMENT := simd
# go.mod needs Go 1.27 (GoMLX v0.28.16): an older Go fetches this toolchain from the module proxy.
export GOTOOLCHAIN ?= go1.27.3
GO ?= go

.PHONY: build test test-long demo vet

# JPEGs are decoded by libjpeg-turbo when libturbojpeg.so.0 is installed at run time
# (apt-get install libturbojpeg0; nothing is needed at build time), else by image/jpeg.
build:
	$(GO) build -o bin/tfvision ./cmd/tfvision

# The README's test command; learning-level checks live behind the "long" build tag.
test:
	scripts/test.sh

test-long:
	scripts/test.sh long

demo: build
	./bin/tfvision demo

vet:
	$(GO) vet ./...
