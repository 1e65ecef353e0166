#!/usr/bin/env bash
# A/B a Go benchmark between two commits on this shared machine: builds the package's test
# binary at OLD and at NEW (git worktrees under a temp dir), then runs them alternately,
# ROUNDS times (default 5), one core each, and prints the CPU ns per op of each pair and
# their ratio. Alternating puts the machine's load swings on both sides alike.
# Usage: scripts/ab-bench.sh OLD NEW PACKAGE BENCH_REGEXP [BENCHTIME]
#   e.g. scripts/ab-bench.sh 189d7d1 HEAD ./augment 'TrainTransformBytes/rrc_flip_bicubic$' 300x
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
export GOEXPERIMENT=simd
old=${1:?usage: scripts/ab-bench.sh OLD NEW PACKAGE BENCH_REGEXP [BENCHTIME]}
new=${2:?usage}
pkg=${3:?usage}
bench=${4:?usage}
benchtime=${5:-300x}
rounds=${ROUNDS:-5}
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/old" 2>/dev/null; git worktree remove --force "$tmp/new" 2>/dev/null; rm -rf "$tmp"' EXIT
for side in old new; do
  rev=$old
  [ "$side" = new ] && rev=$new
  git worktree add -q --detach "$tmp/$side" "$rev"
  (cd "$tmp/$side" && go test -c -o "$tmp/$side.test" "$pkg")
done
cpu() { # the cpu-ns/op metric (report() in the benchmarks), else ns/op
  (cd "$tmp/$1/$pkg" && "$tmp/$1.test" -test.run '^$' -test.bench "$bench" -test.benchtime "$benchtime" -test.cpu 1) |
    awk '/ns\/op/ { v = $3; for (i = 1; i < NF; i++) if ($(i+1) == "cpu-ns/op") v = $i; print v; exit }'
}
for r in $(seq "$rounds"); do
  a=$(cpu old)
  b=$(cpu new)
  awk -v r="$r" -v a="$a" -v b="$b" 'BEGIN { printf "round %d  old %.0f  new %.0f  new/old %.3f\n", r, a, b, b / a }'
done
