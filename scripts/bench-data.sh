#!/usr/bin/env bash
# Side-by-side input-pipeline benchmark: tfvision's loader (with image/jpeg, TFVISION_JPEG=std,
# and, if libturbojpeg0 is installed, with libjpeg-turbo loaded at run time) vs
# torchvision/PIL, on the same ImageNet-sized synthetic JPEGs (500×375, q90, 4:2:0), train and
# eval transforms, float32 and uint8 batches, 1 and N workers, alternated over ROUNDS rounds (default 3) so that a
# shared machine's load falls on every contender alike. Each line gives images/s (wall) and
# images per CPU-second (the process and its workers: the per-core cost, much less swayed
# by other load). Usage: scripts/bench-data.sh [DATA_DIR] [MAX_IMAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
# go.mod needs Go 1.27 (GoMLX v0.28.16); a machine with an older Go fetches this approved
# toolchain from the module proxy once (~76 MB). A GOTOOLCHAIN of your own wins.
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
export GOEXPERIMENT=simd
data=${1:-data/synthetic}
max=${2:-400}
rounds=${ROUNDS:-3}
workers="1 $(nproc)"
go build -o bin/tfvision ./cmd/tfvision
if [ ! -d "$data/train" ]; then
  bin/tfvision data synthetic --out "$data" --classes 10 --train-per-class 100 --val-per-class 100
fi
decoders="std"
if bin/tfvision version | grep -q '^jpeg libjpeg-turbo'; then decoders="auto std"; fi
torch=""
if /usr/bin/python3 -c 'import torchvision' 2>/dev/null; then torch=1; else
  echo "(torchvision missing: apt-get install -y python3-torchvision python3-pil libopenblas0-pthread)"; fi
for r in $(seq "$rounds"); do
  for mode in train eval; do
    # The same transform as the torchvision side: RandomResizedCrop bicubic + flip (+ normalise)
    # for train; the vit-b recipe's RandAugment and erasing are switched off here.
    extra=""
    if [ "$mode" = train ]; then extra="--set augment.rand_augment= --set augment.re_prob=0"; fi
    for w in $workers; do
      # float32 batches (what the pure-Go backend trains on) with each decoder, and uint8
      # batches (what an XLA/GPU run trains on: normalised on the device) with the default one.
      for run in "float32 std" "float32 auto" "uint8 auto"; do
        set -- $run
        case " $decoders " in *" $2 "*) ;; *) continue ;; esac
        printf 'round %s %-5s workers %s tfvision %-7s TFVISION_JPEG=%-4s ' "$r" "$mode" "$w" "$1" "$2"
        # shellcheck disable=SC2086
        TFVISION_JPEG=$2 bin/tfvision bench data --data "$data" --$mode --workers "$w" --max "$max" \
          --set data.batches="$1" $extra | tail -1 |
          sed -E 's/.*: ([0-9.]+) images\/s, .*; ([0-9.]+) images per CPU-second.*/\1 img\/s, \2 per CPU-s/'
      done
      if [ -n "$torch" ]; then
        printf 'round %s %-5s workers %s torchvision + PIL                     ' "$r" "$mode" "$w"
        /usr/bin/python3 scripts/torch_data_bench.py --data "$data" --$mode --workers "$w" --max "$max" |
          /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.1f img/s, %.1f per CPU-s" % (d["images_per_sec"], d["images_per_cpu_sec"]))'
      fi
    done
  done
done
