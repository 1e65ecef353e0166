#!/usr/bin/env python3
"""Check a `tfvision export` file in PyTorch: build the model it describes (a timm-layout
VisionTransformer for ViT runs, scripts/tokenformer_torch.py for TokenFormer runs), load the
weights strictly (every key must match), run the given images and compare with the logits
tfvision computed. Used by export's Go test; needs torch, not timm or safetensors.

  python3 scripts/export_check.py --weights model.safetensors --images x.f32 --logits y.f32
      images: raw float32 [B, H, W, C] (tfvision's NHWC); logits: raw float32 [B, classes]
Prints one JSON line {"max_abs_diff": ..., "batch": ...}; exit 1 if above --tol.
"""

import argparse
import json
import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenformer_torch import TokenFormer, read_safetensors  # noqa: E402


# timm's VisionTransformer (timm/models/vision_transformer.py), default options: class token,
# 'token' pooling, pre-LN blocks, qkv bias, LayerNorm eps 1e-6, exact GELU, no layer scale.
# Parameter names are timm's, so load_state_dict(strict=True) checks the export's key names.
class PatchEmbed(nn.Module):
    def __init__(self, img, p, c, d):
        super().__init__()
        self.proj = nn.Conv2d(c, d, p, stride=p)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        att = torch.softmax((q * self.hd ** -0.5) @ k.transpose(-2, -1), -1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.fc2 = nn.Linear(hidden, d)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, d, heads, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, eps=1e-6)
        self.attn = Attention(d, heads)
        self.norm2 = nn.LayerNorm(d, eps=1e-6)
        self.mlp = Mlp(d, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, n = c["dim"], (c["image_size"] // c["patch"]) ** 2
        hidden = int(round((c.get("mlp_ratio") or 4.0) * d))
        self.patch_embed = PatchEmbed(c["image_size"], c["patch"], c["channels"], d)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, d))
        self.blocks = nn.Sequential(*[Block(d, c["heads"], hidden) for _ in range(c["depth"])])
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Linear(d, c["num_classes"])

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--logits", required=True)
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    tensors, meta = read_safetensors(args.weights)
    cfg = json.loads(meta["model_config"])
    model = TokenFormer(cfg) if cfg["kind"] == "tokenformer" else VisionTransformer(cfg)
    model.load_state_dict(tensors, strict=True)
    model = model.double().eval()
    s, ch = cfg["image_size"], cfg["channels"]
    with open(args.images, "rb") as f:
        images = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(-1, s, s, ch)
    with open(args.logits, "rb") as f:
        want = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(images.shape[0], -1)
    with torch.no_grad():
        got = model(images.permute(0, 3, 1, 2).double())
    diff = (got - want.double()).abs().max().item()
    print(json.dumps({"kind": cfg["kind"], "batch": images.shape[0], "max_abs_diff": diff,
                      "max_abs_logit": want.abs().max().item()}))
    sys.exit(0 if math.isfinite(diff) and diff <= args.tol else 1)


if __name__ == "__main__":
    main()
