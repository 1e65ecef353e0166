#!/usr/bin/env python3
"""List the tensors of a safetensors file (a tfvision checkpoint or export, or anyone's),
with nothing but the Python standard library: an independent check of the format.

For each tensor: name, dtype, shape, and the CRC32C of its bytes, compared with the value a
tfvision checkpoint stores in its __metadata__ "checksums" entry.

Usage:
  python3 scripts/safetensors_dump.py run/checkpoints/step-000001874.safetensors
  python3 scripts/safetensors_dump.py --json FILE      # one JSON object on stdout
Exit status 1 if the layout is inconsistent or a stored checksum does not match.
"""

import argparse
import json
import struct
import sys

DTYPE_SIZE = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
              "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return "crc32c:%08x" % (c ^ 0xFFFFFFFF)


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    stored = json.loads(meta.get("checksums", "{}"))
    problems = []
    tensors = []
    end = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        start, stop = info["data_offsets"]
        count = 1
        for d in info["shape"]:
            count *= d
        if start != end or stop - start != count * DTYPE_SIZE[info["dtype"]]:
            problems.append("%s: byte range %s does not fit" % (name, info["data_offsets"]))
        end = stop
        t = {"name": name, "dtype": info["dtype"], "shape": info["shape"],
             "crc32c": crc32c(data[start:stop])}
        if name in stored:
            t["stored_crc32c"] = stored[name]
            if stored[name] != t["crc32c"]:
                problems.append("%s: checksum %s, stored %s" % (name, t["crc32c"], stored[name]))
        tensors.append(t)
    if end != len(data):
        problems.append("tensors span %d bytes, the file holds %d" % (end, len(data)))
    return {"metadata": meta, "tensors": tensors, "problems": problems}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    rep = read(args.file)
    if args.json:
        json.dump(rep, sys.stdout)
        print()
    else:
        for k, v in sorted(rep["metadata"].items()):
            if k not in ("config", "checksums"):
                print("# %s: %s" % (k, v))
        for t in rep["tensors"]:
            print("%-60s %-4s %-20s %s" % (t["name"], t["dtype"], t["shape"], t["crc32c"]))
        for p in rep["problems"]:
            print("PROBLEM:", p, file=sys.stderr)
    sys.exit(1 if rep["problems"] else 0)


if __name__ == "__main__":
    main()
