"""Regenerates testdata/pil/*.png: reference outputs of Pillow (the library
torchvision and timm run on) for TestAgainstPillow. Needs Pillow and numpy:

    python3 gen_pil.py            # from augment/testdata

The Go tests only read the PNGs; Python is not needed to run them.
"""
import os

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pil")
os.makedirs(OUT, exist_ok=True)
FILL = (124, 116, 104)

rng = np.random.default_rng(1234)
# Smooth gradients plus noise: resampling and the ops do real work.
yy, xx = np.mgrid[0:40, 0:48]
base = np.stack([xx * 5, yy * 6, (xx + yy) * 3], axis=-1).astype(np.float64)
arr = np.clip(base + rng.integers(-40, 40, size=(40, 48, 3)), 0, 255).astype(np.uint8)
src = Image.fromarray(arr, "RGB")
src.save(os.path.join(OUT, "src.png"))


def save(name, im):
    im.convert("RGB").save(os.path.join(OUT, name + ".png"))


R = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}
# Crop-then-resize as torchvision's resized_crop does on PIL images.
for iname, r in R.items():
    save(f"rrc_down_{iname}", src.crop((5, 3, 45, 38)).resize((17, 13), r))
    save(f"rrc_up_{iname}", src.crop((10, 8, 26, 20)).resize((37, 29), r))
    save(f"rrc_mixed_{iname}", src.crop((0, 0, 48, 40)).resize((61, 19), r))
# Eval: resize short side to floor(24/0.875)=27 → 32×27, center crop 24.
ev = src.resize((32, 27), Image.BICUBIC)
save("eval_bicubic", ev.crop((4, 2, 28, 26)))  # left round(4)=4, top round(1.5)=2

save("autocontrast", ImageOps.autocontrast(src))
save("equalize", ImageOps.equalize(src))
save("invert", ImageOps.invert(src))
save("posterize2", ImageOps.posterize(src, 2))
save("solarize100", ImageOps.solarize(src, 100))
for f in (0.3, 1.7):
    save(f"color{f}", ImageEnhance.Color(src).enhance(f))
    save(f"contrast{f}", ImageEnhance.Contrast(src).enhance(f))
    save(f"brightness{f}", ImageEnhance.Brightness(src).enhance(f))
    save(f"sharpness{f}", ImageEnhance.Sharpness(src).enhance(f))
for iname in ("bilinear", "bicubic", "nearest"):
    r = R[iname]
    save(f"rotate17_{iname}", src.rotate(17, resample=r, fillcolor=FILL))
    save(f"shearx_{iname}", src.transform(src.size, Image.AFFINE, (1, 0.27, 0, 0, 1, 0), resample=r, fillcolor=FILL))
    save(f"sheary_{iname}", src.transform(src.size, Image.AFFINE, (1, 0, 0, -0.27, 1, 0), resample=r, fillcolor=FILL))
    save(f"translatex_{iname}", src.transform(src.size, Image.AFFINE, (1, 0, -7.3, 0, 1, 0), resample=r, fillcolor=FILL))

# A 4:2:0 JPEG (what ImageNet mostly is), decoded by Pillow as torchvision does: libjpeg's
# fancy chroma upsampling, then RGB; TestPlanarAgainstPillow resamples the same file's
# YCbCr planes directly. Odd sizes and crop origins put the chroma grid off the crop's.
yy, xx = np.mgrid[0:47, 0:61]
jbase = np.stack([128 + 100 * np.sin(xx / 6.0), yy * 5, 255 - (xx + yy) * 2], axis=-1)
jarr = np.clip(jbase + rng.integers(-30, 30, size=(47, 61, 3)), 0, 255).astype(np.uint8)
jarr[15:30, 20:40] = (220, 30, 40)  # a saturated patch: hard chroma edges
Image.fromarray(jarr, "RGB").save(os.path.join(OUT, "src420.jpg"), quality=90, subsampling=2)
jsrc = Image.open(os.path.join(OUT, "src420.jpg")).convert("RGB")
for iname, r in R.items():
    save(f"jpeg_down_{iname}", jsrc.crop((7, 5, 55, 41)).resize((23, 17), r))
    save(f"jpeg_up_{iname}", jsrc.crop((11, 9, 31, 25)).resize((41, 33), r))
# Eval at 32, crop_pct 0.875: short side 47 → floor(32/0.875)=36, 61×47 → 46×36 (46.7
# truncated as torchvision does), center crop 32: left round(7)=7, top round(2)=2.
save("jpeg_eval_bicubic", jsrc.resize((46, 36), Image.BICUBIC).crop((7, 2, 39, 34)))
