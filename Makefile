# Every build, test and run goes through here so GOEXPERIMENT=simd is never forgotten:
# without it the pure-Go backend's matmul falls back to scalar code (~10x slower).
export GOEXPERIMENT := simd
# go.mod needs Go 1.27 (GoMLX v0.28.16): an older Go fetches this toolchain from the module proxy.
export GOTOOLCHAIN ?= go1.27.3
GO ?= go

.PHONY: build build-turbo test test-long demo vet

build:
	$(GO) build -o bin/tfvision ./cmd/tfvision

# Faster JPEG decoding through libjpeg-turbo (apt-get install libturbojpeg0-dev); cgo, not static.
build-turbo:
	$(GO) build -tags turbojpeg -o bin/tfvision ./cmd/tfvision

# The README's test command; learning-level checks live behind the "long" build tag.
test:
	scripts/test.sh

test-long:
	scripts/test.sh long

demo: build
	./bin/tfvision demo

vet:
	$(GO) vet ./...
