#!/usr/bin/env bash
# Side-by-side input-pipeline benchmark: tfvision's loader (with image/jpeg, TFVISION_JPEG=std,
# and, if libturbojpeg0 is installed, with libjpeg-turbo loaded at run time) vs
# torchvision/PIL, on the same ImageNet-sized synthetic JPEGs (500×375, q90, 4:2:0), train and
# eval transforms, 1 and N workers. Usage: scripts/bench-data.sh [DATA_DIR] [MAX_IMAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
# go.mod needs Go 1.27 (GoMLX v0.28.16); a machine with an older Go fetches this approved
# toolchain from the module proxy once (~76 MB). A GOTOOLCHAIN of your own wins.
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
export GOEXPERIMENT=simd
data=${1:-data/synthetic}
max=${2:-1000}
workers="1 $(nproc)"
go build -o bin/tfvision ./cmd/tfvision
if [ ! -d "$data/train" ]; then
  bin/tfvision data synthetic --out "$data" --classes 10 --train-per-class 100 --val-per-class 100
fi
decoders="std"
if bin/tfvision version | grep -q '^jpeg libjpeg-turbo'; then decoders="std auto"; fi
for mode in train eval; do
  for w in $workers; do
    for d in $decoders; do
      b="env TFVISION_JPEG=$d bin/tfvision"
      echo "== TFVISION_JPEG=$d tfvision bench data --$mode --workers $w"
      # The same transform as the torchvision side: RandomResizedCrop bicubic + flip (+ normalise);
      # the vit-b recipe's RandAugment and erasing are switched off here.
      $b bench data --data "$data" --$mode --workers "$w" --max "$max" --set augment.rand_augment= --set augment.re_prob=0 | tail -1
      if [ "$mode" = train ]; then
        echo "   with the full recipe (RandAugment m9 + erasing 0.25):"
        $b bench data --data "$data" --$mode --workers "$w" --max "$max" | tail -1
      fi
    done
    if /usr/bin/python3 -c 'import torchvision' 2>/dev/null; then
      echo "== torchvision --$mode --workers $w"
      /usr/bin/python3 scripts/torch_data_bench.py --data "$data" --$mode --workers "$w" --max "$max"
    else
      echo "(torchvision missing: apt-get install -y python3-torchvision python3-pil)"
    fi
  done
done
