#!/usr/bin/env bash
# Side-by-side CPU benchmark: our Go binary (pure-Go backend) vs the PyTorch reference
# (scripts/torch_ref.py) on the same presets, batch and mode; prints images/s and Go/PyTorch.
#
#   scripts/bench-cpu.sh                                   # defaults below
#   scripts/bench-cpu.sh --presets "vit-ti16" --batch 16 --modes infer --steps 3 --warmup 1
#   PRESETS="tokenformer-s16" MODES=train scripts/bench-cpu.sh
#
# Options (or environment variables): --presets "P1 P2" (PRESETS), --batch B (BATCH), --image I
# (IMAGE), --modes "train infer" (MODES), --steps N (STEPS), --warmup W (WARMUP), --threads T
# (THREADS, PyTorch intra-op threads; default: number of CPUs), --out DIR (OUT),
# --skip-go / --skip-torch. Results: $OUT/summary.json (default runs/bench-cpu, git-ignored).
# torch_ref.py sets OPENBLAS_CORETYPE from the CPU flags (SkylakeX/Haswell) unless set: on this
# VM OpenBLAS otherwise detects "Prescott" and runs SSE3 kernels, 5-6x slower matmuls.
set -u
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/.."
# go.mod needs Go 1.27 (GoMLX v0.28.16); a machine with an older Go fetches this approved
# toolchain from the module proxy once (~76 MB). A GOTOOLCHAIN of your own wins.
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
export GOEXPERIMENT=simd

PRESETS=${PRESETS:-"tokenformer-ti16 vit-ti16"}
BATCH=${BATCH:-32}
IMAGE=${IMAGE:-224}
MODES=${MODES:-"train infer"}
STEPS=${STEPS:-10}
WARMUP=${WARMUP:-3}
THREADS=${THREADS:-$(nproc)}
OUT=${OUT:-runs/bench-cpu}
SKIP_GO=0
SKIP_TORCH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --presets) PRESETS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --image) IMAGE=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --steps) STEPS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --skip-go) SKIP_GO=1; shift ;;
    --skip-torch) SKIP_TORCH=1; shift ;;
    -h|--help) sed -n '2,14p' "$SELF"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"

# Debian's python3 has python3-torch; pyenv's python3 (often first on PATH) does not.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

if [ "$SKIP_GO" = 0 ] && [ ! -x bin/tfvision ]; then
  echo "building bin/tfvision (GOEXPERIMENT=simd) ..." >&2
  if ! go build -o bin/tfvision ./cmd/tfvision; then
    echo "WARNING: cannot build bin/tfvision; running the PyTorch half only" >&2
    SKIP_GO=1
  fi
fi
if [ "$SKIP_TORCH" = 0 ] && ! "$PY" -c 'import torch' 2>/dev/null; then
  cat >&2 <<'MSG'
WARNING: torch is not importable by /usr/bin/python3. Install Debian's CPU build with
  apt-get update && apt-get install -y python3-torch libopenblas0-pthread
(without libopenblas0-pthread torch is about 20x slower). Running the Go half only.
MSG
  SKIP_TORCH=1
fi
[ "$SKIP_GO" = 1 ] && [ "$SKIP_TORCH" = 1 ] && { echo "nothing to run" >&2; exit 1; }

echo "CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" >&2
for P in $PRESETS; do
  for M in $MODES; do
    if [ "$SKIP_GO" = 0 ]; then
      echo "== go    $P $M batch $BATCH" >&2
      rm -f "$OUT/go-$P-$M.json"
      bin/tfvision bench model --preset "$P" --batch "$BATCH" --image "$IMAGE" "--$M" \
        --steps "$STEPS" --warmup "$WARMUP" --json "$OUT/go-$P-$M.json" --backend go \
        > "$OUT/go-$P-$M.log" 2>&1 || echo "   go run failed (see $OUT/go-$P-$M.log)" >&2
    fi
    if [ "$SKIP_TORCH" = 0 ]; then
      echo "== torch $P $M batch $BATCH (threads $THREADS)" >&2
      rm -f "$OUT/torch-$P-$M.json"
      "$PY" scripts/torch_ref.py bench --preset "$P" --batch "$BATCH" --image "$IMAGE" "--$M" \
        --steps "$STEPS" --warmup "$WARMUP" --threads "$THREADS" --device cpu \
        --json "$OUT/torch-$P-$M.json" > "$OUT/torch-$P-$M.log" 2>&1 \
        || echo "   torch run failed (see $OUT/torch-$P-$M.log)" >&2
    fi
  done
done

"$PY" - "$OUT" "$PRESETS" "$MODES" "$BATCH" <<'PYEOF'
import json, os, sys
out, presets, modes, batch = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except Exception:
        return None
rows = []
print(f"\n{'preset':26s} {'mode':6s} {'batch':>5s} {'go img/s':>10s} {'torch img/s':>12s} {'go/torch':>9s}")
for p in presets:
    for m in modes:
        g = load(os.path.join(out, f"go-{p}-{m}.json"))
        t = load(os.path.join(out, f"torch-{p}-{m}.json"))
        gi = g.get("images_per_sec") if g else None
        ti = t.get("images_per_sec") if t else None
        r = gi / ti if gi and ti else None
        f = lambda v, w, d=2: f"{v:{w}.{d}f}" if isinstance(v, (int, float)) else f"{'-':>{w}s}"
        print(f"{p:26s} {m:6s} {batch:>5s} {f(gi, 10)} {f(ti, 12)} {f(r, 9, 3)}")
        rows.append(dict(preset=p, mode=m, batch=int(batch), go_images_per_sec=gi,
                         torch_images_per_sec=ti, ratio_go_over_torch=r))
with open(os.path.join(out, "summary.json"), "w") as f:
    json.dump(rows, f, indent=1)
print(f"\nJSON: {out}/summary.json (per-run JSON and logs in {out}/)")
PYEOF
