# Every build, test and run goes through here so GOEXPERIMENT=simd is never forgotten:
# without it the pure-Go backend's matmul falls back to scalar code (~10x slower).
export GOEXPERIMENT := simd
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
