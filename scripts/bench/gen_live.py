"""Benchmark live data on stdout.
  pairs N [K]: N predictions + N outcomes in production (one year, scores, every outcome a day
               late), for model m0, or spread over models m0..m(K-1) in turn
  windows    : one year of hourly windows for 20 models x 5 metrics
"""
import random, sys

kind = sys.argv[1]
w = sys.stdout.write
start = 1764547200000  # 2025-12-01T00:00:00Z
year = 365 * 86400000
if kind == "pairs":
    n = int(sys.argv[2])
    k = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rnd = random.Random(7)
    step = year // n
    for i in range(n):
        t = start + i * step
        y = rnd.random() < 0.3
        s = min(max(rnd.gauss(0.65 if y else 0.35, 0.2), 0.0), 1.0)
        w('{"type":"prediction","model":"m%d","env":"production","id":"p%d","time":%d,"prediction":%d,"score":%.4f}\n' % (i % k, i, t, s > 0.5, s))
        w('{"type":"outcome","id":"p%d","actual":%d,"time":%d}\n' % (i, y, t + 86400000))
elif kind == "windows":
    rnd = random.Random(3)
    metrics = ["accuracy", "precision", "recall", "conversion", "latency_ms"]
    for h in range(365 * 24):
        t = start + h * 3600000
        for m in range(20):
            for k in metrics:
                if k == "latency_ms":
                    w('{"type":"window","model":"m%d","env":"production","metric":"%s","value":%.3f,"count":1000,"std":12.5,"start":%d,"end":%d}\n' % (m, k, 80 + rnd.random() * 10, t, t + 3600000))
                else:
                    w('{"type":"window","model":"m%d","env":"production","metric":"%s","value":%.4f,"count":1000,"start":%d,"end":%d}\n' % (m, k, 0.8 + rnd.random() * 0.1, t, t + 3600000))
