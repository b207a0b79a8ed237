"""Writes benchmark JSON Lines to stdout.
  points N      : N metric points for one run (10 keys, N/10 steps), no run_start (use --run)
  runs N        : N runs x 10 params x 10 metrics, with run_start/run_end
  history N     : N steps of one key (use --run)
"""
import sys

kind, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout
w = out.write
if kind == "points":
    for i in range(n):
        w('{"type":"metric","key":"k%d","value":%r,"step":%d,"time":%d}\n' % (i % 10, i * 0.001, i // 10, 1764000000000 + i))
elif kind == "history":
    for i in range(n):
        w('{"type":"metric","key":"loss","value":%r,"step":%d,"time":%d}\n' % (1.0 / (i + 1), i, 1764000000000 + i))
elif kind == "runs":
    for r in range(n):
        w('{"type":"run_start","experiment":"bench","name":"r%d"}\n' % r)
        for p in range(10):
            w('{"type":"param","key":"p%d","value":"%d"}\n' % (p, (r * 7 + p) % 13))
        for m in range(10):
            w('{"type":"metric","key":"%s","value":%r,"step":0,"time":%d}\n' % ("acc" if m == 0 else "loss" if m == 1 else "m%d" % m, ((r * 2654435761) % 1000) / 1000.0, 1764000000000 + r))
        w('{"type":"run_end","status":"FINISHED"}\n')
