#!/usr/bin/env python3
"""The torchvision/PIL input pipeline on an ImageNet-layout tree, for a side-by-side with
`tfvision bench data`: decode (PIL, libjpeg-turbo) + RandomResizedCrop 224 bicubic + flip +
ToTensor + Normalize (--train), or Resize 256 + CenterCrop 224 (--eval), in N DataLoader
worker processes. Prints images/s, images/s per worker and images per CPU-second (this
process and its workers: robust to other load on a shared machine) as JSON.

  /usr/bin/python3 scripts/torch_data_bench.py --data DIR --train --workers 2 --max 2000
"""
import argparse, json, os, resource, time

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
    def cpu():  # this process and its reaped DataLoader workers, user + system
        a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime

    t0, c0 = time.time(), cpu()
    seen = 0
    for x, _ in dl:
        seen += x.shape[0]
    sec = time.time() - t0
    del dl  # joins the workers, so that their CPU time is counted
    cpu_sec = cpu() - c0
    res = {"framework": "torchvision", "torchvision": __import__("torchvision").__version__, "mode": "train" if a.train else "eval",
           "workers": a.workers, "images": seen, "seconds": sec, "images_per_sec": seen / sec,
           "per_worker": seen / sec / max(a.workers, 1),
           "cpu_seconds": cpu_sec, "images_per_cpu_sec": seen / cpu_sec if cpu_sec > 0 else 0}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
