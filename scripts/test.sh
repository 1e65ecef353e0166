#!/usr/bin/env bash
# The project's test command (README and .ci/run call exactly this).
#   scripts/test.sh        unit tests (a few minutes on 2 cores)
#   scripts/test.sh long   + learning-level checks behind the "long" build tag (demo config
#                          on an MNIST subset must reach the stated accuracy)
set -euo pipefail
cd "$(dirname "$0")/.."
# go.mod needs Go 1.27 (GoMLX v0.28.16); a machine with an older Go fetches this approved
# toolchain from the module proxy once (~76 MB). A GOTOOLCHAIN of your own wins.
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
# SIMD matmul kernels of the pure-Go backend need GOEXPERIMENT=simd.
export GOEXPERIMENT=simd
go vet ./...
if [ "${1:-}" = "long" ]; then
  go test -count=1 -tags long -timeout 60m ./...
else
  go test -count=1 -timeout 30m ./...
fi
