#!/usr/bin/env bash
# Builds bin/tfvision for linux/amd64 (the GPU device machine has no Go toolchain: build here,
# carry bin/ along). GOEXPERIMENT=simd is required for the pure-Go backend's fast matmul.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
CGO_ENABLED=1 GOOS=linux GOARCH=amd64 GOEXPERIMENT=simd go build -o bin/tfvision ./cmd/tfvision
ls -l bin/tfvision
