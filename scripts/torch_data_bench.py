#!/usr/bin/env python3
"""The torchvision/PIL input pipeline on an ImageNet-layout tree, for a side-by-side with
`tfvision bench data`: decode (PIL, libjpeg-turbo) + RandomResizedCrop 224 bicubic + flip +
ToTensor + Normalize (--train), or Resize 256 + CenterCrop 224 (--eval), in N DataLoader
worker processes. Prints images/s and images/s per worker as JSON.

  /usr/bin/python3 scripts/torch_data_bench.py --data DIR --train --workers 2 --max 2000
"""
import argparse, json, os, time

import torch
from torchvision import datasets, transforms as T


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--workers", type=int, default=os.cpu_count())
    p.add_argument("--max", type=int, default=2000)
    p.add_argument("--batch", type=int, default=64)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--train", action="store_true")
    mode.add_argument("--eval", action="store_true")
    a = p.parse_args()
    norm = T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    if a.train:
        tf = T.Compose([T.RandomResizedCrop(224, interpolation=T.InterpolationMode.BICUBIC),
                        T.RandomHorizontalFlip(), T.ToTensor(), norm])
        split = "train"
    else:
        tf = T.Compose([T.Resize(256, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224), T.ToTensor(), norm])
        split = "val"
    ds = datasets.ImageFolder(os.path.join(a.data, split), transform=tf)
    n = min(a.max, len(ds))
    sub = torch.utils.data.Subset(ds, list(range(n)))
    dl = torch.utils.data.DataLoader(sub, batch_size=a.batch, num_workers=a.workers, shuffle=True,
                                     persistent_workers=False)
    t0 = time.time()
    seen = 0
    for x, _ in dl:
        seen += x.shape[0]
    sec = time.time() - t0
    res = {"framework": "torchvision", "torchvision": __import__("torchvision").__version__, "mode": "train" if a.train else "eval",
           "workers": a.workers, "images": seen, "seconds": sec, "images_per_sec": seen / sec,
           "per_worker": seen / sec / max(a.workers, 1)}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
