#!/usr/bin/env bash
# Builds bin/tfvision for linux/amd64 (the GPU device machine has no Go toolchain: build here,
# carry bin/ along). GOEXPERIMENT=simd is required for the pure-Go backend's fast matmul.
set -euo pipefail
cd "$(dirname "$0")/.."
# go.mod needs Go 1.27 (GoMLX v0.28.16); a machine with an older Go fetches this approved
# toolchain from the module proxy once (~76 MB). A GOTOOLCHAIN of your own wins.
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
mkdir -p bin
CGO_ENABLED=1 GOOS=linux GOARCH=amd64 GOEXPERIMENT=simd go build -o bin/tfvision ./cmd/tfvision
ls -l bin/tfvision
# The target needs at least this glibc (the newest versioned symbol the binary imports).
if command -v objdump >/dev/null; then
  echo "needs glibc >= $(objdump -T bin/tfvision | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)"
fi
