"""Presets and FLOP counts of tfvision's models, without any dependency (no torch).

Identical to vision/presets.go and vision/flops.go; used by torch_ref.py and by the summaries
of bench-cpu.sh / gpu-check.sh (which may run where torch is missing). vision/presets.go is the
source of truth: vision/presets_py_test.go reads this file (PRESETS, the helpers' dict fields,
EXPECTED_PARAMS) and fails when it disagrees, and compares flops_per_image when python3 exists.
Keep the helpers and tables in their present simple form so that test can read them.
"""


def _base(kind, dim, depth, heads):
    return dict(kind=kind, image_size=224, patch=16, channels=3, dim=dim, depth=depth,
                heads=heads, num_classes=1000, drop_path=0.1)


def _tokenformer(dim, depth, heads, n, n_ffn):
    c = _base("tokenformer", dim, depth, heads)
    c.update(qkv_tokens=n, proj_tokens=n, ffn_tokens=n_ffn)
    return c


def _vit(dim, depth, heads):
    c = _base("vit", dim, depth, heads)
    c.update(mlp_ratio=4.0)
    return c


PRESETS = {
    "tokenformer-ti16": _tokenformer(192, 12, 3, 192, 768),
    "tokenformer-s16": _tokenformer(384, 12, 6, 384, 1536),
    "tokenformer-b16": _tokenformer(768, 12, 12, 768, 3072),
    "tokenformer-b16-matched": _tokenformer(768, 12, 12, 576, 2304),
    "tokenformer-l16": _tokenformer(1024, 24, 16, 1024, 4096),
    "tokenformer-l16-matched": _tokenformer(1024, 24, 16, 768, 3072),
    "vit-ti16": _vit(192, 12, 3),
    "vit-s16": _vit(384, 12, 6),
    "vit-b16": _vit(768, 12, 12),
    "vit-l16": _vit(1024, 24, 16),
}

# Parameter counts of the Go models (torch_ref.py must match them exactly).
EXPECTED_PARAMS = {
    "vit-b16": 86_567_656,
    "tokenformer-b16-matched": 86_447_848,
    "tokenformer-ti16": 7_456_936,
    "vit-ti16": 5_717_416,
}


def preset_config(name, image=None):
    if name not in PRESETS:
        raise SystemExit(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}")
    c = dict(PRESETS[name])
    if image:
        c["image_size"] = image
    if c["image_size"] % c["patch"]:
        raise SystemExit(f"image size {c['image_size']} not divisible by patch {c['patch']}")
    return c


def flops_per_image(c):
    """Forward FLOPs (2·MACs of matmuls) of one image, exactly as vision/flops.go."""
    g = c["image_size"] // c["patch"]
    n = float(g * g)
    s, d = n + 1, float(c["dim"])
    patch_in = float(c["patch"] * c["patch"] * c["channels"])
    total = 2 * n * patch_in * d  # patch embedding
    attn = 2 * 2 * s * s * d  # Q·Kᵀ and A·V over all heads
    if c["kind"] == "tokenformer":
        proj = 2 * s * (3 * c["qkv_tokens"] * 2 * d + c["proj_tokens"] * 2 * d + c["ffn_tokens"] * 2 * d)
    else:
        hidden = round(c["mlp_ratio"] * c["dim"])
        proj = 2 * s * (4 * d * d + 2 * d * hidden)
    total += c["depth"] * (attn + proj)
    total += 2 * d * c["num_classes"]
    return total


def flops_per_image_mode(name, mode, image=None):
    """Forward FLOPs for "infer", 3× forward for "train"."""
    f = flops_per_image(preset_config(name, image))
    return 3 * f if mode == "train" else f
