#!/usr/bin/env bash
# Folders vs packed shards, side by side with torchvision/PIL on the folders: the train
# transform (RandomResizedCrop 224 bicubic + flip, RandAugment and erasing off) through
# tfvision's loader on DATA_DIR and on its shards (packed once with `tfvision data pack
# --max-side 320`), 1 and N (all cores) workers, float32 and uint8 batches, alternated over
# ROUNDS rounds (default 3). Each line gives images/s (wall) and images per CPU-second (the
# process and its workers).
# Usage: scripts/bench-shards.sh DATA_DIR SHARD_DIR [MAX_IMAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
export GOEXPERIMENT=simd
data=${1:?usage: scripts/bench-shards.sh DATA_DIR SHARD_DIR [MAX_IMAGES]}
shards=${2:?usage: scripts/bench-shards.sh DATA_DIR SHARD_DIR [MAX_IMAGES]}
max=${3:-800}
rounds=${ROUNDS:-3}
go build -o bin/tfvision ./cmd/tfvision
if [ ! -f "$shards/index.json" ]; then
  bin/tfvision data pack --data "$data" --out "$shards" --max-side 320 --shard-mb 16
fi
for r in $(seq "$rounds"); do
  for w in 1 $(nproc); do
    for src in "folders $data" "shards $shards"; do
      set -- $src
      for batches in float32 uint8; do
        printf 'round %s workers %s %-7s %-7s ' "$r" "$w" "$1" "$batches"
        bin/tfvision bench data --data "$2" --train --workers "$w" --max "$max" --set data.batches="$batches" \
          --set augment.rand_augment= --set augment.re_prob=0 | tail -1 |
          sed -E 's/.*: ([0-9.]+) images\/s, .*; ([0-9.]+) images per CPU-second.*/\1 img\/s, \2 per CPU-s/'
      done
    done
    if /usr/bin/python3 -c 'import torchvision' 2>/dev/null; then
      printf 'round %s workers %s torchvision + PIL, folders  ' "$r" "$w"
      /usr/bin/python3 scripts/torch_data_bench.py --data "$data" --train --workers "$w" --max "$max" |
        /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.1f img/s, %.1f per CPU-s" % (d["images_per_sec"], d["images_per_cpu_sec"]))'
    fi
  done
done
