#!/usr/bin/env bash
# One-shot GPU device check: XLA/CUDA correctness (parity vs the pure-Go backend) and bf16
# training/inference throughput of tokenformer-b16 and vit-b16, side by side with the PyTorch
# reference (scripts/torch_ref.py) on the same GPU.
#
# The GPU machine has no network and no Go toolchain: build here with
#   scripts/build-linux-amd64.sh
# and carry bin/ along. Then, on the GPU machine:
#   OUT=/some/dir scripts/gpu-check.sh [PLUGIN.so]       # or PJRT_PLUGIN=/path/plugin.so
#   scripts/gpu-check.sh --dry-run                        # print the commands only
#
# Everything lands in $OUT (default ./out): nvidia-smi.txt, parity.json, go-P-MODE.json,
# torch-P-MODE.json, logs/, steps.jsonl (every command, exit code, seconds) and summary.json.
# Each step is guarded by `timeout` and by an overall deadline (DEADLINE_S, default 420 s);
# a failing step is recorded and the script goes on. Knobs (environment): PRESETS, BATCHES,
# STEPS, WARMUP, DEADLINE_S, GO_TIMEOUT_S, TORCH_COMPILE_TIMEOUT_S, TORCH_TIMEOUT_S,
# PARITY_TIMEOUT_S, NO_TORCH=1, NO_COMPILE=1, GO_ATTENTION (auto|fused|decomposed), NO_AB=1
# (skip the fused-vs-decomposed attention A/B run at the end), GPU_CHECK_BACKEND=go (rehearse
# on a CPU: Go steps on the pure-Go backend).
set -u
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DRY=0
PLUGIN=${PJRT_PLUGIN:-}
for a in "$@"; do
  case "$a" in
    --dry-run|-n) DRY=1 ;;
    -h|--help) sed -n '2,19p' "$SELF"; exit 0 ;;
    *) PLUGIN=$a ;;
  esac
done

OUT=${OUT:-./out}
mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd)
PRESETS=${PRESETS:-"tokenformer-b16 vit-b16"}
BATCHES=${BATCHES:-"256 192 128 96 64 32"}
STEPS=${STEPS:-10}
WARMUP=${WARMUP:-3}
DEADLINE_S=${DEADLINE_S:-420}
GO_TIMEOUT_S=${GO_TIMEOUT_S:-150}
PARITY_TIMEOUT_S=${PARITY_TIMEOUT_S:-120}
TORCH_COMPILE_TIMEOUT_S=${TORCH_COMPILE_TIMEOUT_S:-180}
TORCH_TIMEOUT_S=${TORCH_TIMEOUT_S:-100}
NO_TORCH=${NO_TORCH:-0}
NO_COMPILE=${NO_COMPILE:-0}
START=$(date +%s)
STEPS_FILE=$OUT/steps.jsonl
: > "$STEPS_FILE"

log() { echo "[gpu-check +$(( $(date +%s) - START ))s] $*" >&2; }

# Any python3 for bookkeeping (JSON); a torch-capable one is looked for below.
PY=python3
command -v python3 >/dev/null 2>&1 || PY=/usr/bin/python3

# record NAME RC SECONDS STATUS LOG CMD...: one JSON line per step in steps.jsonl.
record() {
  local name=$1 rc=$2 secs=$3 status=$4 logf=$5
  shift 5
  "$PY" -c 'import json,sys; a=sys.argv[1:]; print(json.dumps(dict(name=a[0], rc=int(a[1]), seconds=int(a[2]), status=a[3], log=a[4], cmd=" ".join(a[5:]))))' \
    "$name" "$rc" "$secs" "$status" "$logf" "$@" >> "$STEPS_FILE" 2>/dev/null \
    || echo "{\"name\": \"$name\", \"rc\": $rc, \"status\": \"$status\"}" >> "$STEPS_FILE"
}

# step NAME TIMEOUT CMD...: runs CMD under `timeout`, bounded by the overall deadline; output
# to logs/NAME.log; sets STEP_RC (124 = timed out, 125 = skipped for lack of time).
step() {
  local name=$1 limit=$2
  shift 2
  local logf=$OUT/logs/$name.log
  local left=$(( DEADLINE_S - ($(date +%s) - START) - 10 ))
  [ "$limit" -gt "$left" ] && limit=$left
  if [ "$DRY" = 1 ]; then
    echo "timeout $limit $*"
    STEP_RC=0
    return 0
  fi
  if [ "$limit" -lt 20 ]; then
    log "SKIP $name: overall deadline (${DEADLINE_S}s) reached"
    record "$name" 125 0 "skipped: deadline" "$logf" "$@"
    STEP_RC=125
    return 0
  fi
  log "RUN  $name (timeout ${limit}s): $*"
  local t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" > "$logf" 2>&1
  STEP_RC=$?
  local secs=$(( $(date +%s) - t0 )) status=ok
  if [ "$STEP_RC" = 124 ] || [ "$STEP_RC" = 137 ]; then status="timeout after ${limit}s"
  elif [ "$STEP_RC" != 0 ]; then
    status="failed"
    is_oom "$logf" && status="oom"
  fi
  log "     $name: rc=$STEP_RC $status (${secs}s)"
  [ "$STEP_RC" != 0 ] && tail -n 5 "$logf" | sed 's/^/     | /' >&2
  record "$name" "$STEP_RC" "$secs" "$status" "$logf" "$@"
  return 0
}

is_oom() {
  grep -qiE 'out of memory|RESOURCE_EXHAUSTED|OutOfMemory|CUDA_ERROR_OUT_OF_MEMORY|\bOOM\b|failed to allocate' "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------------------
# 1. Machine, plugin, python with torch
if [ "$DRY" = 1 ]; then
  echo "nvidia-smi > $OUT/nvidia-smi.txt"
else
  { nvidia-smi; echo; nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,power.limit --format=csv; } \
    > "$OUT/nvidia-smi.txt" 2>&1 || log "nvidia-smi failed (see $OUT/nvidia-smi.txt)"
fi
GPU_NAME=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1)
log "GPU: ${GPU_NAME:-none found}"

# Site-packages directories of every python we can find.
site_dirs() {
  local p
  for p in python3 /usr/bin/python3 /usr/local/bin/python3 /opt/conda/bin/python3; do
    command -v "$p" >/dev/null 2>&1 || continue
    "$p" -c 'import site, sys
for d in site.getsitepackages() + [site.getusersitepackages()] + sys.path: print(d)' 2>/dev/null
  done
  ls -d /usr/lib/python3*/*-packages /usr/local/lib/python3*/*-packages /opt/conda/lib/python3*/site-packages \
    "$HOME"/.local/lib/python3*/site-packages /root/.local/lib/python3*/site-packages 2>/dev/null
}

find_plugin() {
  local d f
  # jax's CUDA plugin, as a module first.
  for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null 2>&1 || continue
    f=$("$p" - 2>/dev/null <<'PYEOF'
import glob, importlib.util, os, pkgutil
try:
    import jax_plugins
    for m in pkgutil.iter_modules(jax_plugins.__path__):
        if m.name.startswith("xla_cuda"):
            spec = importlib.util.find_spec("jax_plugins." + m.name)  # locates without importing jax
            for d in spec.submodule_search_locations or []:
                for so in glob.glob(os.path.join(d, "*.so")):
                    print(so)
except Exception:
    pass
PYEOF
)
    f=$(echo "$f" | grep -m1 -E 'xla_cuda_plugin\.so|pjrt' || true)
    [ -n "$f" ] && { echo "$f"; return 0; }
  done
  # Globs over site-packages, then GoMLX's own plugin directories and the repo.
  for d in $(site_dirs | sort -u); do
    [ -d "$d" ] || continue
    for f in "$d"/jax_plugins/xla_cuda*/xla_cuda_plugin.so "$d"/jax_cuda*_plugin/*pjrt*.so \
             "$d"/jax_cuda*_plugin/xla_cuda_plugin.so "$d"/jax_cuda*_pjrt/*.so "$d"/*/pjrt_c_api_gpu_plugin.so; do
      [ -f "$f" ] && { echo "$f"; return 0; }
    done
  done
  for f in "$HOME"/.local/lib/gomlx/pjrt/pjrt_c_api_cuda_plugin.so /usr/local/lib/gomlx/pjrt/pjrt_c_api_cuda_plugin.so \
           "$ROOT"/pjrt/*.so "$ROOT"/bin/*pjrt*.so "$ROOT"/bin/xla_cuda_plugin.so "$ROOT"/shared/pjrt/*.so; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  f=$(find / -xdev \( -name xla_cuda_plugin.so -o -name pjrt_c_api_gpu_plugin.so -o -name pjrt_c_api_cuda_plugin.so \) \
      -print -quit 2>/dev/null)
  [ -n "$f" ] && { echo "$f"; return 0; }
  return 1
}

if [ -z "$PLUGIN" ]; then
  PLUGIN=$(timeout 45 bash -c "$(declare -f site_dirs find_plugin); ROOT='$ROOT'; find_plugin" 2>/dev/null || true)
fi
if [ -n "$PLUGIN" ] && [ -f "$PLUGIN" ]; then
  PLUGIN=$(cd "$(dirname "$PLUGIN")" && pwd)/$(basename "$PLUGIN")
  log "PJRT CUDA plugin: $PLUGIN"
  # jax's plugin finds the pip nvidia-* libraries (cuBLAS, cuDNN, ...) next to it; help it anyway.
  for d in $(site_dirs | sort -u); do
    for l in "$d"/nvidia/*/lib; do [ -d "$l" ] && LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$l; done
  done
  export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
elif [ "$DRY" = 1 ]; then
  PLUGIN=/path/to/xla_cuda_plugin.so
  log "no CUDA PJRT plugin found (dry run: using placeholder $PLUGIN)"
else
  log "no CUDA PJRT plugin found (pass its path as \$1 or PJRT_PLUGIN); Go steps will fail"
  PLUGIN=""
fi
BACKEND="xla:$PLUGIN"
# Rehearsal on a machine without a GPU: GPU_CHECK_BACKEND=go runs every Go step on the pure-Go
# backend (with tiny PRESETS/BATCHES/STEPS), which exercises the script end to end.
if [ -n "${GPU_CHECK_BACKEND:-}" ]; then
  BACKEND=$GPU_CHECK_BACKEND
  log "rehearsal: Go steps on --backend $BACKEND"
fi
echo "{\"plugin\": \"$PLUGIN\", \"gpu\": \"$GPU_NAME\"}" > "$OUT/plugin.json"

TPY=""
if [ "$NO_TORCH" != 1 ]; then
  for p in python3 /usr/bin/python3 /usr/local/bin/python3 /opt/conda/bin/python3; do
    command -v "$p" >/dev/null 2>&1 || continue
    if "$p" -c 'import torch' >/dev/null 2>&1; then TPY=$p; break; fi
  done
  if [ -n "$TPY" ]; then
    log "torch: $($TPY -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -n1) ($TPY)"
  else
    log "no python3 with torch found: PyTorch steps skipped"
    record torch-import 1 0 "failed: no python3 can import torch" - python3 -c "import torch"
    [ "$DRY" = 1 ] && TPY=python3
  fi
fi

GO_OK=1
if [ ! -x bin/tfvision ]; then
  log "bin/tfvision missing: build it on the dev machine with scripts/build-linux-amd64.sh and carry bin/"
  record go-binary 1 0 "failed: bin/tfvision missing" - bin/tfvision
  GO_OK=0
  [ "$DRY" = 1 ] && GO_OK=1
fi

# The binary was built elsewhere: a missing shared library or too old a glibc shows here, once,
# with the loader's own message, instead of as every Go step failing.
if [ "$GO_OK" = 1 ] && [ "$DRY" != 1 ]; then
  step go-version 30 bin/tfvision version
  if [ "$STEP_RC" != 0 ]; then
    log "bin/tfvision does not run here (glibc $(ldd --version 2>/dev/null | head -n1 | grep -o '[0-9.]*$')): see $OUT/logs/go-version.log"
    GO_OK=0
  fi
fi

# ---------------------------------------------------------------------------------------
# 2. Correctness: XLA vs pure Go
if [ "$GO_OK" = 1 ]; then
  step parity "$PARITY_TIMEOUT_S" bin/tfvision check parity --backend "$BACKEND" --json "$OUT/parity.json"
fi

# ---------------------------------------------------------------------------------------
# 3 + 4. Throughput: Go (XLA, bf16) then PyTorch (bf16, compiled), per preset.

# search KIND PRESET MODE FIRST_BATCH: tries batches <= FIRST_BATCH from $BATCHES, largest first,
# going down only on out-of-memory; sets FOUND_BATCH (empty when none ran).
COMPILE_OK=1
GO_ATTENTION=${GO_ATTENTION:-auto}
search() {
  local kind=$1 preset=$2 mode=$3 first=$4 b
  FOUND_BATCH=""
  for b in $BATCHES; do
    [ "$b" -gt "$first" ] && continue
    local lg=$OUT/logs/$kind-$preset-$mode-b$b.log lc=$OUT/logs/$kind-$preset-$mode-b$b-compile.log
    rm -f "$lg" "$lc"
    if [ "$kind" = go ]; then
      step "go-$preset-$mode-b$b" "$GO_TIMEOUT_S" bin/tfvision bench model --backend "$BACKEND" --precision bf16 \
        --attention "$GO_ATTENTION" --preset "$preset" --batch "$b" "--$mode" --steps "$STEPS" --warmup "$WARMUP" \
        --json "$OUT/go-$preset-$mode.json"
      # The fused (cuDNN flash) attention is the newest code on this path: if it breaks for a
      # reason other than memory, measure the decomposed graph rather than nothing, and keep
      # using it for the rest of the run.
      if [ "$STEP_RC" != 0 ] && [ "$STEP_RC" != 124 ] && [ "$STEP_RC" != 137 ] && [ "$STEP_RC" != 125 ] \
         && [ "$GO_ATTENTION" = auto ] && ! is_oom "$lg"; then
        GO_ATTENTION=decomposed
        log "fused attention failed (see $lg): retrying with --attention decomposed"
        step "go-$preset-$mode-b$b-decomposed" "$GO_TIMEOUT_S" bin/tfvision bench model --backend "$BACKEND" --precision bf16 \
          --attention decomposed --preset "$preset" --batch "$b" "--$mode" --steps "$STEPS" --warmup "$WARMUP" \
          --json "$OUT/go-$preset-$mode.json"
        lg=$OUT/logs/go-$preset-$mode-b$b-decomposed.log
      fi
    else
      local rc=1
      if [ "$COMPILE_OK" = 1 ] && [ "$NO_COMPILE" != 1 ]; then
        step "torch-$preset-$mode-b$b-compile" "$TORCH_COMPILE_TIMEOUT_S" "$TPY" scripts/torch_ref.py bench --device cuda --bf16 \
          --compile --preset "$preset" --batch "$b" "--$mode" --steps "$STEPS" --warmup "$WARMUP" --json "$OUT/torch-$preset-$mode.json"
        rc=$STEP_RC
        # A compile that times out will time out again: go eager for the rest of the run.
        [ "$rc" = 124 ] || [ "$rc" = 137 ] && COMPILE_OK=0
      fi
      if [ "$rc" != 0 ] && ! is_oom "$lc"; then
        step "torch-$preset-$mode-b$b" "$TORCH_TIMEOUT_S" "$TPY" scripts/torch_ref.py bench --device cuda --bf16 \
          --preset "$preset" --batch "$b" "--$mode" --steps "$STEPS" --warmup "$WARMUP" --json "$OUT/torch-$preset-$mode.json"
      fi
    fi
    if [ "$STEP_RC" = 0 ]; then FOUND_BATCH=$b; return 0; fi
    is_oom "$lg" || is_oom "$lc" || return 1  # not a memory failure: a smaller batch will not help
  done
  return 1
}

MAXB=$(echo $BATCHES | tr ' ' '\n' | sort -n | tail -n1)
declare -A GOB TB
# Training first (the headline numbers), then inference at the batch training found, so that
# what the deadline cuts, if anything, is the inference runs of the last preset.
for M in train infer; do
  for P in $PRESETS; do
    if [ "$GO_OK" = 1 ]; then
      rm -f "$OUT/go-$P-$M.json"
      search go "$P" "$M" "${GOB[$P]:-$MAXB}"
      [ "$M" = train ] && GOB[$P]=$FOUND_BATCH
    fi
    if [ -n "$TPY" ]; then
      rm -f "$OUT/torch-$P-$M.json"
      search torch "$P" "$M" "${TB[$P]:-${GOB[$P]:-$MAXB}}"
      [ "$M" = train ] && TB[$P]=$FOUND_BATCH
    fi
  done
done

# What the fused attention buys: the first preset's training again with the decomposed graph
# at the same batch. Last, so that the deadline cuts it before anything the goal needs.
P0=${PRESETS%% *}
if [ "$GO_OK" = 1 ] && [ "$GO_ATTENTION" = auto ] && [ -n "${GOB[$P0]:-}" ] && [ "${NO_AB:-0}" != 1 ]; then
  step "go-$P0-train-decomposed" "$GO_TIMEOUT_S" bin/tfvision bench model --backend "$BACKEND" --precision bf16 \
    --attention decomposed --preset "$P0" --batch "${GOB[$P0]}" --train --steps "$STEPS" --warmup "$WARMUP" \
    --json "$OUT/go-$P0-train-decomposed.json"
fi

# ---------------------------------------------------------------------------------------
# 5. Summary
if [ "$DRY" = 1 ]; then
  echo "$PY scripts/gpu-check.sh summary -> $OUT/summary.json"
  exit 0
fi
"$PY" - "$OUT" "$PRESETS" "$GPU_NAME" "$PLUGIN" "$(( $(date +%s) - START ))" <<'PYEOF'
import json, os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, "scripts")
from tfv_presets import flops_per_image_mode

out, presets, gpu, plugin, elapsed = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4], int(sys.argv[5])

def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except Exception:
        return None

def peak_bf16(name):
    n = (name or "").upper()
    if "H200" in n or "GH200" in n:
        return 989e12
    if "H100" in n:
        if "PCIE" in n:
            return 756e12
        if "NVL" in n:
            return 835e12
        return 989e12  # SXM ("NVIDIA H100 80GB HBM3")
    if "A100" in n:
        return 312e12
    return None

steps = []
try:
    with open(os.path.join(out, "steps.jsonl")) as f:
        steps = [json.loads(l) for l in f if l.strip()]
except Exception:
    pass
peak = peak_bf16(gpu)
parity_steps = [s for s in steps if s["name"] == "parity"]
summary = {
    "gpu": gpu or None,
    "peak_bf16_flops": peak,
    "plugin": plugin or None,
    "elapsed_s": elapsed,
    "parity": {
        "status": parity_steps[-1]["status"] if parity_steps else "not run",
        "rc": parity_steps[-1]["rc"] if parity_steps else None,
        "result": load("parity.json"),
    },
    "results": {},
    # Not-ok steps, out-of-memory probes of the batch search included.
    "not_ok_steps": [s for s in steps if s.get("status") != "ok"],
    "steps": steps,
}
for p in presets:
    summary["results"][p] = {}
    for m in ("train", "infer"):
        g, t = load(f"go-{p}-{m}.json"), load(f"torch-{p}-{m}.json")
        gi = g.get("images_per_sec") if g else None
        ti = t.get("images_per_sec") if t else None
        fl = flops_per_image_mode(p, m)
        mfu = lambda ips: round(fl * ips / peak, 4) if ips and peak else None
        summary["results"][p][m] = {
            "go_batch": g.get("batch") if g else None,
            "go_attention": g.get("attention") if g else None,
            "go_images_per_sec": gi,
            "torch_batch": t.get("batch") if t else None,
            "torch_images_per_sec": ti,
            "torch_compiled": t.get("compiled") if t else None,
            "ratio_go_over_torch": round(gi / ti, 4) if gi and ti else None,
            "flops_per_image": fl,
            "go_mfu": mfu(gi),
            "torch_mfu": mfu(ti),
        }
ab = load(f"go-{presets[0]}-train-decomposed.json") if presets else None
if ab:
    fused = summary["results"][presets[0]]["train"]
    summary["attention_ab"] = {
        "preset": presets[0], "batch": ab.get("batch"),
        "fused_images_per_sec": fused["go_images_per_sec"] if fused.get("go_attention") == "fused" else None,
        "decomposed_images_per_sec": ab.get("images_per_sec"),
    }
with open(os.path.join(out, "summary.json"), "w") as f:
    json.dump(summary, f, indent=1)

print(f"GPU: {gpu or '?'}  peak bf16: {peak and peak / 1e12} TFLOP/s  plugin: {plugin or '-'}")
print(f"parity: {summary['parity']['status']}")
pr = summary["parity"]["result"] or {}
if pr:
    print(f"  f32 logits rel diff {pr.get('relative_diff')}; bf16 ({pr.get('attention_bf16')} attention) logits rel err "
          f"{pr.get('bf16_logits_rel_err')} (pure Go {pr.get('bf16_logits_rel_err_go')}), grad cosine {pr.get('bf16_grad_cosine')}")
if "attention_ab" in summary:
    print(f"attention A/B ({presets[0]} train): {summary['attention_ab']}")
print(f"{'preset':18s} {'mode':5s} {'go b':>5s} {'go img/s':>9s} {'go MFU':>7s} {'pt b':>5s} {'torch img/s':>11s} {'pt MFU':>7s} {'go/pt':>6s}")
fmt = lambda v, w, d: f"{v:{w}.{d}f}" if isinstance(v, (int, float)) else f"{'-':>{w}s}"
for p, r in summary["results"].items():
    for m, x in r.items():
        print(f"{p:18s} {m:5s} {fmt(x['go_batch'], 5, 0)} {fmt(x['go_images_per_sec'], 9, 1)} {fmt(x['go_mfu'], 7, 3)} "
              f"{fmt(x['torch_batch'], 5, 0)} {fmt(x['torch_images_per_sec'], 11, 1)} {fmt(x['torch_mfu'], 7, 3)} "
              f"{fmt(x['ratio_go_over_torch'], 6, 3)}")
for s in summary["not_ok_steps"]:
    print(f"not ok: {s['name']}: {s['status']} (rc {s['rc']}, log {s.get('log')})")
print(f"elapsed {elapsed}s; full summary: {out}/summary.json")
PYEOF
