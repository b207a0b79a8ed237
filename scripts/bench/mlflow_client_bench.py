"""The same mlflow-client workload against one server. Prints one JSON object of figures.
Usage: mlflow_client_bench.py URL [--full]  (--full adds history, runs and search, which need a real server)"""
import json
import os
import sys
import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

url = sys.argv[1]
full = "--full" in sys.argv
scale = float(os.environ.get("BENCH_SCALE", "1"))
mlflow.set_tracking_uri(url)
c = MlflowClient(url)
out = {}


def timed(f):
    t = time.perf_counter()
    r = f()
    return time.perf_counter() - t, r


run_id = c.create_run("0").info.run_id if full else "0" * 32
n = int(2000 * scale)
dt, _ = timed(lambda: [c.log_metric(run_id, "m", float(i), step=i, timestamp=i + 1) for i in range(n)])
out["log_metric_calls_per_s"] = n / dt
batches = max(2, int(20 * scale))
dt, _ = timed(lambda: [c.log_batch(run_id, metrics=[Metric("b", float(j), 1, b * 1000 + j) for j in range(1000)]) for b in range(batches)])
out["log_batch_points_per_s"] = batches * 1000 / dt
if full:
    runs = max(10, int(100 * scale))

    def make_runs():
        for i in range(runs):
            r = c.create_run("0")
            c.log_batch(r.info.run_id, params=[Param(f"p{k}", str(k)) for k in range(10)], metrics=[Metric(f"m{k}", k * 0.1, 1, 0) for k in range(10)])
            c.set_terminated(r.info.run_id)

    dt, _ = timed(make_runs)
    out["runs_per_s"] = runs / dt
    hist = c.create_run("0").info.run_id
    steps = int(100_000 * min(scale, 1))
    for b in range(0, steps, 1000):
        c.log_batch(hist, metrics=[Metric("loss", 1.0 / (s + 1), 1, s) for s in range(b, min(steps, b + 1000))])
    dt, h = timed(lambda: c.get_metric_history(hist, "loss"))
    assert len(h) == steps, len(h)
    out["history_100k_s"] = dt
    # search over the ~1,000 runs created so far (plus more to reach 1,000)
    have = runs + 2
    while have < 1000:
        r = c.create_run("0")
        c.log_batch(r.info.run_id, metrics=[Metric("acc", (have % 100) / 100, 1, 0)])
        have += 1
    dt, found = timed(lambda: c.search_runs(["0"], "metrics.acc > 0.5", order_by=["metrics.acc DESC"], max_results=1000))
    out["search_1000_runs_ms"] = dt * 1000
print(json.dumps(out))
