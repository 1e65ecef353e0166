#!/usr/bin/env python3
"""Load a `tfvision export` of a TokenFormer run into PyTorch.

    from tokenformer_torch import load
    model = load("tf-ti16.safetensors")          # eval mode, float32
    logits = model(images)                       # images [B, 3, H, W], normalised as in training

The file's __metadata__ "model_config" (JSON of the run's model section) gives the sizes and
the Pattention settings; the tensors are named as in the README:

    patch_embed.proj.weight [D, C, p, p], patch_embed.proj.bias [D]   (a stride-p conv)
    cls_token [1, 1, D], pos_embed [1, 1+N, D]
    blocks.N.attn.{query,key,value,out}.key_tokens [n, D], .value_tokens [n, D]
    blocks.N.ffn.key_tokens [n_ffn, D], blocks.N.ffn.value_tokens [n_ffn, D]
    norm.weight, norm.bias [D], head.weight [classes, D], head.bias [classes]

The forward is tfvision's (vision/model.go): per block y = LN(x) (no affine, eps 1e-5);
x += Po(MHA(Pq(y), Pk(y), Pv(y))); x += Pffn(LN(x)); then LayerNorm (eps 1e-6) and the head
on the CLS token. Pattention(x) = Θ(x·Kᵀ)·V with Θ one of
  l2_norm_gelu (default): GELU(A·√zoom / √(ΣA² + ε))
  gelu_l2_norm:           G·√zoom / √(ΣG² + ε), G = GELU(A)
  softmax:                softmax(A)·zoom
where zoom is the group's *_zoom, else zoom, else n (the number of parameter tokens), and
GELU is the exact (erf) one. Only the standard library and torch are needed.
"""

import json
import math
import struct

import torch
from torch import nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "I8": torch.int8, "BOOL": torch.bool}


def read_safetensors(path):
    """Returns ({name: tensor}, metadata) of a safetensors file, without the safetensors package."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = blob[8 + n:]
    out = {}
    for name, info in header.items():
        start, stop = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[start:stop]), dtype=DTYPES[info["dtype"]]) if stop > start \
            else torch.empty(0, dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out, meta


class Pattention(nn.Module):
    def __init__(self, n, d_in, d_out, norm, zoom, eps):
        super().__init__()
        self.key_tokens = nn.Parameter(torch.zeros(n, d_in))
        self.value_tokens = nn.Parameter(torch.zeros(n, d_out))
        self.norm, self.zoom, self.eps = norm, zoom or n, eps

    def forward(self, x):
        a = x @ self.key_tokens.t()

        def l2scale(v):
            return v * math.sqrt(self.zoom) / torch.sqrt((v * v).sum(-1, keepdim=True) + self.eps)

        if self.norm == "gelu_l2_norm":
            theta = l2scale(F.gelu(a))
        elif self.norm == "softmax":
            theta = torch.softmax(a, -1) * self.zoom
        else:
            theta = F.gelu(l2scale(a))
        return theta @ self.value_tokens


class Attention(nn.Module):
    def __init__(self, c, zoom):
        super().__init__()
        norm, eps, d = c.get("norm") or "l2_norm_gelu", c.get("epsilon") or 1e-5, c["dim"]
        self.heads = c["heads"]
        self.query = Pattention(c["qkv_tokens"], d, d, norm, zoom("qkv"), eps)
        self.key = Pattention(c["qkv_tokens"], d, d, norm, zoom("qkv"), eps)
        self.value = Pattention(c["qkv_tokens"], d, d, norm, zoom("qkv"), eps)
        self.out = Pattention(c["proj_tokens"], d, d, norm, zoom("proj"), eps)

    def forward(self, y):
        b, s, d = y.shape
        hd = d // self.heads

        def heads(t):
            return t.reshape(b, s, self.heads, hd).transpose(1, 2)

        q, k, v = heads(self.query(y)), heads(self.key(y)), heads(self.value(y))
        att = torch.softmax((q / math.sqrt(hd)) @ k.transpose(-2, -1), -1)
        return self.out((att @ v).transpose(1, 2).reshape(b, s, d))


class Block(nn.Module):
    def __init__(self, c, zoom):
        super().__init__()
        d = c["dim"]
        self.attn = Attention(c, zoom)
        self.ffn = Pattention(c["ffn_tokens"], d, d, c.get("norm") or "l2_norm_gelu", zoom("ffn"), c.get("epsilon") or 1e-5)

    def forward(self, x):
        d = x.shape[-1]
        x = x + self.attn(F.layer_norm(x, (d,), eps=1e-5))
        return x + self.ffn(F.layer_norm(x, (d,), eps=1e-5))


class PatchEmbed(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.proj = nn.Conv2d(c["channels"], c["dim"], c["patch"], stride=c["patch"])

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [B, N, D], patches row-major


class TokenFormer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, n = c["dim"], (c["image_size"] // c["patch"]) ** 2

        def zoom(group):
            return c.get(group + "_zoom") or c.get("zoom") or 0

        self.patch_embed = PatchEmbed(c)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + n, d))
        self.blocks = nn.ModuleList(Block(c, zoom) for _ in range(c["depth"]))
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Linear(d, c["num_classes"])

    def forward(self, images):
        x = self.patch_embed(images)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x)[:, 0])


def load(path):
    """The TokenFormer of an exported file, weights loaded (strict: every name must match)."""
    tensors, meta = read_safetensors(path)
    cfg = json.loads(meta["model_config"])
    if cfg["kind"] != "tokenformer":
        raise ValueError("%s holds a %s model, not a TokenFormer" % (path, cfg["kind"]))
    model = TokenFormer(cfg)
    model.load_state_dict(tensors, strict=True)
    return model.eval()
