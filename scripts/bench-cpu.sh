#!/usr/bin/env bash
# Side-by-side CPU benchmark: our Go binary (pure-Go backend) vs the PyTorch reference
# (scripts/torch_ref.py) on the same presets, batch and mode; prints images/s and Go/PyTorch.
#
#   scripts/bench-cpu.sh                                   # defaults below
#   scripts/bench-cpu.sh --presets "vit-ti16" --batch 16 --modes infer --steps 3 --warmup 1
#   PRESETS="tokenformer-s16" MODES=train scripts/bench-cpu.sh
#   scripts/bench-cpu.sh --bins "/tmp/old/tfvision bin/tfvision"   # before/after an upgrade
#
# Options (or environment variables): --presets "P1 P2" (PRESETS), --batch B (BATCH), --image I
# (IMAGE), --modes "train infer" (MODES), --steps N (STEPS), --warmup W (WARMUP), --threads T
# (THREADS, PyTorch intra-op threads; default: number of CPUs), --out DIR (OUT),
# --bins "B1 B2" (BINS: tfvision binaries to compare, run in turn with PyTorch for each preset
# and mode, so all see the same minute; default bin/tfvision), --skip-go / --skip-torch.
# Results: $OUT/summary.json (default runs/bench-cpu, git-ignored); each Go result also has
# images per CPU-second, which a busy machine disturbs less than wall time.
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
BINS=${BINS:-bin/tfvision}
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
    --bins) BINS=$2; shift 2 ;;
    --skip-go) SKIP_GO=1; shift ;;
    --skip-torch) SKIP_TORCH=1; shift ;;
    -h|--help) sed -n '2,18p' "$SELF"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"

# Debian's python3 has python3-torch; pyenv's python3 (often first on PATH) does not.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

if [ "$SKIP_GO" = 0 ] && [ "$BINS" = bin/tfvision ] && [ ! -x bin/tfvision ]; then
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
      i=0
      for BIN in $BINS; do
        echo "== go[$i] $BIN $P $M batch $BATCH" >&2
        rm -f "$OUT/go$i-$P-$M.json"
        "$BIN" bench model --preset "$P" --batch "$BATCH" --image "$IMAGE" "--$M" \
          --steps "$STEPS" --warmup "$WARMUP" --json "$OUT/go$i-$P-$M.json" --backend go \
          > "$OUT/go$i-$P-$M.log" 2>&1 || echo "   go run failed (see $OUT/go$i-$P-$M.log)" >&2
        i=$((i+1))
      done
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

NB=$(echo $BINS | wc -w)
"$PY" - "$OUT" "$PRESETS" "$MODES" "$BATCH" "$NB" "$BINS" <<'PYEOF'
import json, os, sys
out, presets, modes, batch, nb, bins = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4], int(sys.argv[5]), sys.argv[6].split()
def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except Exception:
        return None
f = lambda v, w, d=2: f"{v:{w}.{d}f}" if isinstance(v, (int, float)) else f"{'-':>{w}s}"
for i, b in enumerate(bins):
    print(f"go[{i}] = {b}")
head = f"\n{'preset':22s} {'mode':6s} {'batch':>5s}"
for i in range(nb):
    head += f" {'go['+str(i)+'] img/s':>13s} {'img/cpu-s':>9s} {'/torch':>7s}"
print(head + f" {'torch img/s':>12s}")
rows = []
for p in presets:
    for m in modes:
        t = load(os.path.join(out, f"torch-{p}-{m}.json"))
        ti = t.get("images_per_sec") if t else None
        line = f"{p:22s} {m:6s} {batch:>5s}"
        row = dict(preset=p, mode=m, batch=int(batch), torch_images_per_sec=ti, go=[])
        for i in range(nb):
            g = load(os.path.join(out, f"go{i}-{p}-{m}.json"))
            gi = g.get("images_per_sec") if g else None
            gc = g.get("images_per_cpu_sec") if g else None
            r = gi / ti if gi and ti else None
            line += f" {f(gi, 13)} {f(gc, 9)} {f(r, 7)}"
            row["go"].append(dict(bin=bins[i], images_per_sec=gi, images_per_cpu_sec=gc,
                                  gflops_per_sec=g.get("gflops_per_sec") if g else None, ratio_go_over_torch=r))
        print(line + f" {f(ti, 12)}")
        rows.append(row)
with open(os.path.join(out, "summary.json"), "w") as fh:
    json.dump(rows, fh, indent=1)
print(f"\nJSON: {out}/summary.json (per-run JSON and logs in {out}/)")
PYEOF
