#!/usr/bin/env bash
# Makes the chroma-layout fixtures sub_*.jpg (TestTurboPlanes*): one 45×31 picture (odd
# sides, so that libjpeg-turbo's plane padding shows) with gradients, edges and saturated
# colours, encoded by libjpeg-turbo's cjpeg (Debian libjpeg-turbo-progs) in each chroma
# layout TurboJPEG names: 4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1. Go's encoder writes 4:2:0 only.
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY' >/tmp/tfv_sub.ppm
import sys, math
w, h = 45, 31
out = sys.stdout.buffer
out.write(b"P6\n%d %d\n255\n" % (w, h))
for y in range(h):
    for x in range(w):
        r = int(127 + 127 * math.sin(x / 4.0))
        g = int(255 * y / (h - 1))
        b = 255 if (x // 7 + y // 5) % 2 else 0
        if 15 <= x < 30 and 10 <= y < 20:
            r, g, b = 255, 0, 0
        out.write(bytes((r, g, b)))
PY
for s in 1x1:444 2x1:422 2x2:420 1x2:440 4x1:411; do
  cjpeg -quality 90 -sample "${s%%:*}" -outfile "sub_${s##*:}.jpg" /tmp/tfv_sub.ppm
done
