#!/usr/bin/env python3
"""PyTorch reference of tfvision's models (vision/model.go), for throughput comparisons.

Same architecture and parameter count as the Go models:

* Pattention (l2_norm_gelu): A = X·Kᵀ; Θ = GELU(A·√n / sqrt(ΣA² + 1e-5)) (exact erf GELU);
  out = Θ·V. Keys [n, d_in], values [n, d_out], no bias. Scores and Θ in float32.
* TokenFormer block: non-parametric pre-LN (eps 1e-5); Pq/Pk/Pv with n_qkv tokens, softmax
  MHA (scale 1/√head_dim), Po with n_proj tokens; one FFN Pattention with n_ffn tokens.
* ViT block: parametric pre-LN (eps 1e-6); separate q/k/v/out Linear layers with bias;
  MLP 4d with exact GELU.
* Drop path on both residual branches, rescaled by 1/(1−p), rate linear 0..drop_path.
* Patch embedding: Linear over p×p×C patches flattened in (row, col, channel) order from
  NHWC images; CLS token; learned position embedding [1+N, d]; final parametric LN (eps
  1e-6); head Linear on CLS.

Precision: --bf16 is torch.autocast(bfloat16) over float32 master weights: matmuls run in
bf16; LayerNorms, Θ's normalisation, softmax statistics and the loss stay float32 (as the Go
model's mixed precision; the residual stream here stays float32, where Go keeps it in bf16).
FLOPs are 2·MACs of the matmuls, exactly vision/flops.go (training = 3× forward).

Usage:
  python3 scripts/torch_ref.py --count                   # parameter counts of all presets
  python3 scripts/torch_ref.py bench --preset vit-ti16 --batch 32 --train --threads 2
  python3 scripts/torch_ref.py bench --preset tokenformer-b16 --batch 128 --train \
      --device cuda --bf16 --compile --json out/torch.json

bench prints one JSON object on stdout (progress and notes go to stderr).
"""

import argparse
import json
import math
import os
import statistics
import sys
import time


def _openblas_coretype():
    """OpenBLAS (Debian's torch BLAS) falls back to its generic "Prescott" SSE3 kernels on
    virtual CPUs whose model it does not recognise ("Intel Xeon Processor"): 5-6x slower
    matmuls. Pick the kernel from the CPU flags unless OPENBLAS_CORETYPE is already set.
    Must run before torch (and so libopenblas) is loaded."""
    if "OPENBLAS_CORETYPE" in os.environ or os.environ.get("TORCH_REF_NO_CORETYPE"):
        return os.environ.get("OPENBLAS_CORETYPE")
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l for l in f if l.startswith("flags")), "").split()
    except OSError:
        return None
    core = "SkylakeX" if "avx512f" in flags else "Haswell" if "avx2" in flags else None
    if core:
        os.environ["OPENBLAS_CORETYPE"] = core
    return core


OPENBLAS_CORETYPE = _openblas_coretype()

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tfv_presets import EXPECTED_PARAMS, PRESETS, flops_per_image, preset_config  # noqa: E402

INNER_LN_EPS = 1e-5  # non-parametric LN inside TokenFormer blocks
OUTER_LN_EPS = 1e-6  # parametric LNs (timm's ViT)
PATTENTION_EPS = 1e-5


# ---------------------------------------------------------------------------------------
# Layers


class Pattention(nn.Module):
    """Θ(X·Kᵀ)·V with Θ = l2_norm_gelu (default), gelu_l2_norm or softmax."""

    def __init__(self, d_in, d_out, n, norm="l2_norm_gelu", zoom=None, eps=PATTENTION_EPS,
                 key_std=0.02, value_std=0.02, device=None):
        super().__init__()
        self.key_tokens = nn.Parameter(torch.empty(n, d_in, device=device))
        self.value_tokens = nn.Parameter(torch.empty(n, d_out, device=device))
        self.n, self.norm, self.eps = n, norm, eps
        self.zoom = float(zoom if zoom else n)
        nn.init.normal_(self.key_tokens, std=key_std)
        nn.init.normal_(self.value_tokens, std=value_std)

    def theta(self, a):
        a = a.float()  # normalisation statistics in float32, as the Go model
        if self.norm == "softmax":
            return torch.softmax(a, dim=-1) * self.zoom

        def l2(v):
            return v * (math.sqrt(self.zoom) * torch.rsqrt(v.square().sum(-1, keepdim=True) + self.eps))

        if self.norm == "gelu_l2_norm":
            return l2(F.gelu(a))
        return F.gelu(l2(a))  # l2_norm_gelu; F.gelu default is the exact erf form

    def forward(self, x):
        a = F.linear(x, self.key_tokens)  # [..., n] = X·Kᵀ
        # Θ is float32; under autocast the matmul runs in bfloat16 (as the Go model's Θ·V).
        return torch.matmul(self.theta(a), self.value_tokens)


def drop_path(x, rate, training):
    if rate <= 0 or not training:
        return x
    keep = 1.0 - rate
    mask = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1), device=x.device, dtype=x.dtype).bernoulli_(keep)
    return x * mask / keep


def mha(q, k, v, heads):
    b, s, d = q.shape
    hd = d // heads

    def split(t):
        return t.view(b, s, heads, hd).transpose(1, 2)

    q, k, v = split(q), split(k), split(v)
    if hasattr(F, "scaled_dot_product_attention"):  # torch >= 2.0 (flash / memory-efficient kernels)
        o = F.scaled_dot_product_attention(q, k, v)  # scale 1/√hd, non-causal
    else:
        o = torch.softmax((q @ k.transpose(-2, -1)) * hd**-0.5, dim=-1) @ v
    return o.transpose(1, 2).reshape(b, s, d)


class TokenFormerBlock(nn.Module):
    def __init__(self, c, drop_rate, device=None):
        super().__init__()
        d = c["dim"]
        vstd = 2.0 / (c["depth"] * math.sqrt(d))
        P = lambda n: Pattention(d, d, n, value_std=vstd, device=device)  # noqa: E731
        self.query, self.key, self.value = P(c["qkv_tokens"]), P(c["qkv_tokens"]), P(c["qkv_tokens"])
        self.out = P(c["proj_tokens"])
        self.ffn = P(c["ffn_tokens"])
        self.heads, self.drop_rate, self.d = c["heads"], drop_rate, d

    def forward(self, x):
        y = F.layer_norm(x, (self.d,), eps=INNER_LN_EPS)
        a = self.out(mha(self.query(y), self.key(y), self.value(y), self.heads))
        x = x + drop_path(a, self.drop_rate, self.training)
        f = self.ffn(F.layer_norm(x, (self.d,), eps=INNER_LN_EPS))
        return x + drop_path(f, self.drop_rate, self.training)


def _linear(i, o, device=None):
    m = nn.Linear(i, o, device=device)
    nn.init.trunc_normal_(m.weight, std=0.02)
    nn.init.zeros_(m.bias)
    return m


class ViTBlock(nn.Module):
    def __init__(self, c, drop_rate, device=None):
        super().__init__()
        d = c["dim"]
        hidden = round(c["mlp_ratio"] * d)
        L = lambda i, o: _linear(i, o, device)  # noqa: E731
        self.ln1 = nn.LayerNorm(d, eps=OUTER_LN_EPS, device=device)
        self.query, self.key, self.value, self.out = L(d, d), L(d, d), L(d, d), L(d, d)
        self.ln2 = nn.LayerNorm(d, eps=OUTER_LN_EPS, device=device)
        self.fc1, self.fc2 = L(d, hidden), L(hidden, d)
        self.heads, self.drop_rate = c["heads"], drop_rate

    def forward(self, x):
        y = self.ln1(x)
        a = self.out(mha(self.query(y), self.key(y), self.value(y), self.heads))
        x = x + drop_path(a, self.drop_rate, self.training)
        f = self.fc2(F.gelu(self.fc1(self.ln2(x))))
        return x + drop_path(f, self.drop_rate, self.training)


class VisionModel(nn.Module):
    """images [B, H, W, C] (NHWC, float32) → logits [B, classes] (float32)."""

    def __init__(self, c, device=None):
        super().__init__()
        self.c = c
        d, p, ch = c["dim"], c["patch"], c["channels"]
        g = c["image_size"] // p
        self.patch_embed = _linear(p * p * ch, d, device)
        self.cls = nn.Parameter(torch.zeros(d, device=device))
        self.pos_embed = nn.Parameter(torch.empty(1 + g * g, d, device=device))
        nn.init.normal_(self.pos_embed, std=0.02)
        depth = c["depth"]
        block = TokenFormerBlock if c["kind"] == "tokenformer" else ViTBlock
        rates = [c["drop_path"] * i / (depth - 1) if depth > 1 else 0.0 for i in range(depth)]
        self.blocks = nn.ModuleList([block(c, r, device) for r in rates])
        self.norm = nn.LayerNorm(d, eps=OUTER_LN_EPS, device=device)
        self.head = _linear(d, c["num_classes"], device)

    def forward(self, images):
        c = self.c
        b, p, ch = images.shape[0], c["patch"], c["channels"]
        g = c["image_size"] // p
        x = images.reshape(b, g, p, g, p, ch).permute(0, 1, 3, 2, 4, 5).reshape(b, g * g, p * p * ch)
        x = self.patch_embed(x)
        cls = self.cls.view(1, 1, -1).expand(b, 1, -1).to(x.dtype)
        x = torch.cat([cls, x], dim=1) + self.pos_embed.unsqueeze(0)
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        return self.head(x[:, 0]).float()


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def build(c, device="cpu"):
    return VisionModel(c, torch.device(device))


# ---------------------------------------------------------------------------------------
# Commands


def cmd_count(args):
    names = args.preset or list(PRESETS)
    rows, ok = [], True
    for name in names:
        n = count_params(build(preset_config(name), "meta"))
        exp = EXPECTED_PARAMS.get(name)
        status = "" if exp is None else ("ok" if exp == n else f"MISMATCH (Go: {exp:,})")
        ok = ok and (exp is None or exp == n)
        rows.append((name, n, status))
        print(f"{name:26s} {n:>14,d}  {status}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({name: n for name, n, _ in rows}, f, indent=1)
    return 0 if ok else 1


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def cmd_bench(args):
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("torch.cuda.is_available() is False")
    mode = "infer" if args.infer else "train"
    c = preset_config(args.preset, args.image)
    torch.manual_seed(0)
    model = build(c, device)
    params = count_params(model)
    notes = []
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    dtype = torch.bfloat16 if args.bf16 else torch.float32

    images = torch.randn(args.batch, c["image_size"], c["image_size"], c["channels"], device=device)
    labels = torch.randint(0, c["num_classes"], (args.batch,), device=device)

    opt = None
    if mode == "train":
        model.train()
        kw = dict(lr=1e-4, betas=(0.9, 0.95), weight_decay=0.05)
        if device.type == "cuda":
            try:
                opt = torch.optim.AdamW(model.parameters(), fused=True, **kw)
            except (TypeError, RuntimeError) as e:
                notes.append(f"fused AdamW unavailable: {e}")
        if opt is None:
            opt = torch.optim.AdamW(model.parameters(), **kw)
    else:
        model.eval()

    eager = model
    run_model = model
    compiled = False
    if args.compile and not hasattr(torch, "compile"):
        notes.append(f"torch.compile unavailable in torch {torch.__version__}: eager")
    elif args.compile:
        try:
            run_model = torch.compile(model)
            compiled = True
        except Exception as e:  # noqa: BLE001
            notes.append(f"torch.compile failed, eager: {type(e).__name__}: {e}"[:500])

    def autocast():
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=args.bf16)

    def train_step(m):
        opt.zero_grad(set_to_none=True)
        with autocast():
            logits = m(images)
        loss = F.cross_entropy(logits.float(), labels)
        loss.backward()
        opt.step()
        return loss

    def infer_step(m):
        with torch.inference_mode(), autocast():
            return m(images)

    step = train_step if mode == "train" else infer_step

    def warm(m):
        for i in range(args.warmup):
            t0 = time.perf_counter()
            step(m)
            _sync(device)
            print(f"warm-up step {i + 1}/{args.warmup}: {(time.perf_counter() - t0) * 1e3:.1f} ms", file=sys.stderr)

    try:
        warm(run_model)
    except Exception as e:  # noqa: BLE001
        if not compiled:
            raise
        notes.append(f"torch.compile failed at run time, eager: {type(e).__name__}: {e}"[:500])
        print(notes[-1], file=sys.stderr)
        compiled, run_model = False, eager
        warm(run_model)

    times = []
    for i in range(args.steps):
        _sync(device)
        t0 = time.perf_counter()
        step(run_model)
        _sync(device)
        times.append(time.perf_counter() - t0)
        print(f"step {i + 1}/{args.steps}: {times[-1] * 1e3:.1f} ms", file=sys.stderr)

    med = statistics.median(times)
    ips = args.batch / med
    fwd = flops_per_image(c)
    per_image = fwd * (3 if mode == "train" else 1)
    res = {
        "framework": "pytorch",
        "torch": torch.__version__,
        "preset": args.preset,
        "batch": args.batch,
        "image": c["image_size"],
        "mode": mode,
        "device": str(device) if device.type != "cuda" else f"cuda:{torch.cuda.get_device_name(device)}",
        "dtype": "bf16" if dtype == torch.bfloat16 else "float32",
        "images_per_sec": round(ips, 3),
        "gflops_per_sec": round(per_image * ips / 1e9, 3),
        "step_ms_median": round(med * 1e3, 3),
        "step_ms_all": [round(t * 1e3, 3) for t in times],
        "params": params,
        "flops_per_image": per_image,
        "compiled": compiled,
        "threads": torch.get_num_threads(),
    }
    if device.type == "cpu":
        res["openblas_coretype"] = OPENBLAS_CORETYPE
    if notes:
        res["notes"] = notes
    if device.type == "cuda":
        res["max_memory_gib"] = round(torch.cuda.max_memory_allocated(device) / 2**30, 3)
    out = json.dumps(res)
    print(out)
    if args.json:
        with open(args.json, "w") as f:
            f.write(out + "\n")
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--count":  # `torch_ref.py --count [--preset P ...]`
        argv[0] = "count"
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    cp = sub.add_parser("count", help="parameter counts of presets (checked against the Go models)")
    cp.add_argument("--preset", action="append", help="preset (repeatable; default all)")
    cp.add_argument("--json")

    bp = sub.add_parser("bench", help="throughput of one preset")
    bp.add_argument("--preset", required=True, choices=list(PRESETS))
    bp.add_argument("--batch", type=int, default=32)
    bp.add_argument("--image", type=int, default=224)
    g = bp.add_mutually_exclusive_group()
    g.add_argument("--train", action="store_true", help="forward+CE+backward+AdamW (default)")
    g.add_argument("--infer", action="store_true", help="forward under inference_mode")
    bp.add_argument("--steps", type=int, default=10)
    bp.add_argument("--warmup", type=int, default=3)
    bp.add_argument("--device", default="cpu")
    bp.add_argument("--bf16", action="store_true", help="autocast bfloat16 (float32 master weights)")
    bp.add_argument("--compile", action="store_true", help="torch.compile (eager fallback on failure)")
    bp.add_argument("--threads", type=int, default=0)
    bp.add_argument("--json")
    bp.add_argument("--count", action="store_true", help="print the parameter count and exit")

    args = ap.parse_args(argv)
    if args.cmd == "count":
        return cmd_count(args)
    if args.count:
        args.preset, args.json = [args.preset], None
        return cmd_count(args)
    return cmd_bench(args)


if __name__ == "__main__":
    sys.exit(main())
