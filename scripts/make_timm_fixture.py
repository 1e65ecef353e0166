#!/usr/bin/python3
"""Writes the test fixtures of timm import and position-embedding resampling (no network).

  /usr/bin/python3 scripts/make_timm_fixture.py [--out testdata]

1. testdata/timm_vit_small.safetensors: a small ViT in timm's VisionTransformer layout (patch 4,
   32 px, dim 36, 2 blocks, 3 heads, MLP ratio 4, 10 classes) with random weights under timm's
   state-dict key names; testdata/timm_vit_small_logits.safetensors holds fixed images
   ("inputs", NHWC as tfvision feeds them) and this script's logits of them ("logits"). The forward below is written
   after timm's VisionTransformer: stride-p conv patch embedding, CLS token prepended,
   learned position embedding (CLS included), pre-LN blocks x += attn(norm1(x)),
   x += mlp(norm2(x)) with fused qkv Linear split as reshape(B, N, 3, H, hd), softmax
   attention scaled by hd^-0.5, exact (erf) GELU, final LayerNorm, CLS pooling, head Linear.
   Every LayerNorm has eps 1e-6, as timm's ViT. Needs only Debian's python3-torch: the
   safetensors file is written by hand (8-byte little-endian header length, JSON header,
   raw little-endian bytes).
2. testdata/posembed_resample.json: position embeddings resampled by
   F.interpolate(mode='bicubic', align_corners=False) on the patch grid, CLS row kept.
"""
import argparse
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

EPS = 1e-6


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().to(torch.float32)
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header["__metadata__"] = {"format": "pt", "source": "scripts/make_timm_fixture.py"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)  # pad so tensor data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def make_state(g, img, patch, dim, depth, classes, chans=3, mlp_ratio=4):
    def n(*shape, std=1.0):
        return torch.randn(*shape, generator=g) * std

    hidden = dim * mlp_ratio
    grid = img // patch
    sd = {
        "cls_token": n(1, 1, dim, std=0.5),
        "pos_embed": n(1, 1 + grid * grid, dim, std=0.5),
        "patch_embed.proj.weight": n(dim, chans, patch, patch, std=1 / math.sqrt(chans * patch * patch)),
        "patch_embed.proj.bias": n(dim, std=0.1),
    }
    for i in range(depth):
        p = f"blocks.{i}."
        sd[p + "norm1.weight"] = 1 + n(dim, std=0.1)
        sd[p + "norm1.bias"] = n(dim, std=0.1)
        sd[p + "attn.qkv.weight"] = n(3 * dim, dim, std=1 / math.sqrt(dim))
        sd[p + "attn.qkv.bias"] = n(3 * dim, std=0.1)
        sd[p + "attn.proj.weight"] = n(dim, dim, std=1 / math.sqrt(dim))
        sd[p + "attn.proj.bias"] = n(dim, std=0.1)
        sd[p + "norm2.weight"] = 1 + n(dim, std=0.1)
        sd[p + "norm2.bias"] = n(dim, std=0.1)
        sd[p + "mlp.fc1.weight"] = n(hidden, dim, std=1 / math.sqrt(dim))
        sd[p + "mlp.fc1.bias"] = n(hidden, std=0.1)
        sd[p + "mlp.fc2.weight"] = n(dim, hidden, std=1 / math.sqrt(hidden))
        sd[p + "mlp.fc2.bias"] = n(dim, std=0.1)
    sd["norm.weight"] = 1 + n(dim, std=0.1)
    sd["norm.bias"] = n(dim, std=0.1)
    sd["head.weight"] = n(classes, dim, std=1 / math.sqrt(dim))
    sd["head.bias"] = n(classes, std=0.1)
    return sd


def vit_forward(sd, x, patch, heads, depth):
    """timm VisionTransformer.forward for x [B, C, H, W] (global_pool='token')."""
    dim = sd["cls_token"].shape[-1]
    x = F.conv2d(x, sd["patch_embed.proj.weight"], sd["patch_embed.proj.bias"], stride=patch)
    x = x.flatten(2).transpose(1, 2)  # [B, N, D], patches in row-major order
    b = x.shape[0]
    x = torch.cat([sd["cls_token"].expand(b, -1, -1), x], dim=1) + sd["pos_embed"]
    hd = dim // heads
    for i in range(depth):
        p = f"blocks.{i}."
        y = F.layer_norm(x, (dim,), sd[p + "norm1.weight"], sd[p + "norm1.bias"], EPS)
        bn, n, c = y.shape
        qkv = F.linear(y, sd[p + "attn.qkv.weight"], sd[p + "attn.qkv.bias"])
        qkv = qkv.reshape(bn, n, 3, heads, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q * hd ** -0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
        a = (attn @ v).transpose(1, 2).reshape(bn, n, c)
        x = x + F.linear(a, sd[p + "attn.proj.weight"], sd[p + "attn.proj.bias"])
        y = F.layer_norm(x, (dim,), sd[p + "norm2.weight"], sd[p + "norm2.bias"], EPS)
        h = F.gelu(F.linear(y, sd[p + "mlp.fc1.weight"], sd[p + "mlp.fc1.bias"]))  # exact erf GELU
        x = x + F.linear(h, sd[p + "mlp.fc2.weight"], sd[p + "mlp.fc2.bias"])
    x = F.layer_norm(x, (dim,), sd["norm.weight"], sd["norm.bias"], EPS)
    return F.linear(x[:, 0], sd["head.weight"], sd["head.bias"])


def resample(pos, new_grid):
    """timm's resample_abs_pos_embed with one prefix (CLS) token, bicubic, align_corners=False."""
    cls, grid = pos[:, :1], pos[:, 1:]
    old = int(math.isqrt(grid.shape[1]))
    d = grid.shape[-1]
    grid = grid.reshape(1, old, old, d).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=(new_grid, new_grid), mode="bicubic", align_corners=False)
    grid = grid.permute(0, 2, 3, 1).reshape(1, new_grid * new_grid, d)
    return torch.cat([cls, grid], dim=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "testdata"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(12)
    img, patch, dim, depth, heads, classes = 32, 4, 36, 2, 3, 10
    sd = make_state(g, img, patch, dim, depth, classes)
    nchw = torch.randn(2, 3, img, img, generator=g)
    with torch.no_grad():
        logits = vit_forward(sd, nchw, patch, heads, depth)
    path = os.path.join(args.out, "timm_vit_small.safetensors")
    write_safetensors(path, sd)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    path = os.path.join(args.out, "timm_vit_small_logits.safetensors")
    write_safetensors(path, {"inputs": nchw.permute(0, 2, 3, 1), "logits": logits})  # NHWC, as tfvision feeds images
    print(f"wrote {path} ({os.path.getsize(path)} bytes); logits[0,:4] = {logits[0, :4].tolist()}")

    cases = []
    for old, new, d in [(3, 5, 4), (4, 3, 3), (2, 7, 2)]:
        pos = torch.randn(1, 1 + old * old, d, generator=g)
        cases.append({"old_grid": old, "new_grid": new, "dim": d,
                      "input": pos[0].flatten().tolist(), "output": resample(pos, new)[0].flatten().tolist()})
    path = os.path.join(args.out, "posembed_resample.json")
    with open(path, "w") as f:
        json.dump({"source": "scripts/make_timm_fixture.py: F.interpolate(mode='bicubic', align_corners=False)",
                   "cases": cases}, f)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
