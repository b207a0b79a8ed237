"""Plays production for the model live in `production`: serves it over the held-back slice as a
stream of requests across several weeks, with a covariate shift in the later weeks (a scanner
recalibration that measures tumours smaller: radius, perimeter and area readings shrink by
10%, then 20%) and labels that arrive days later
(biopsy results). Posts predictions and outcomes to tracker's native API, `POST /api/v1/live`.

Timestamps are explicit — `--start` plus fixed offsets from a seeded generator — so the same
start gives the same data. Writes what it knows independently (the true metrics of the final
week, computed here with scikit-learn) to --truth, for checking tracker's report.
"""
import argparse
import json
import os
import pickle
import sys
import tempfile
import time
import urllib.request

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import holdout_metrics, splits  # noqa: E402  (also makes RadiusRule unpicklable-safe)

HOUR = 3_600_000
DAY = 24 * HOUR

p = argparse.ArgumentParser()
p.add_argument("--url", required=True, help="tracker serve URL")
p.add_argument("--model", default="tumor")
p.add_argument("--env", default="production")
p.add_argument("--start", type=int, help="epoch ms of the first request (default: the next whole hour)")
p.add_argument("--weeks", type=int, default=4)
p.add_argument("--per-day", type=int, default=120)
p.add_argument("--shift-from-week", type=int, default=None, help="first week (0-based) with the covariate shift (default: the last two)")
p.add_argument("--truth", help="write the independently computed final-week metrics here")
a = p.parse_args()


def call(method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(a.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


# Which version is live, and its model file (downloaded through the MLflow artifact proxy).
now = int(time.time() * 1000)
live = call("GET", f"/api/v1/deployments?model={a.model}&env={a.env}&at={now}")
if not live:
    sys.exit(f"no version of {a.model} is live in {a.env}")
version = live[0]["version"]
mv = call("GET", f"/api/2.0/mlflow/model-versions/get?name={a.model}&version={version}")["model_version"]
run = call("GET", f"/api/2.0/mlflow/runs/get?run_id={mv['run_id']}")["run"]
exp_run = run["info"]["artifact_uri"].replace("mlflow-artifacts:/", "")
with urllib.request.urlopen(f"{a.url}/api/2.0/mlflow-artifacts/artifacts/{exp_run}/model.pkl") as r:
    model = pickle.loads(r.read())
print(f"serving {a.model} version {version} (run {mv['run_id'][:8]}) in {a.env}")

_, _, (X_prod, y_prod) = splits()
rng = np.random.default_rng(2026)
start = a.start if a.start is not None else (now // HOUR + 1) * HOUR
end = start + a.weeks * 7 * DAY
shift_from = a.shift_from_week if a.shift_from_week is not None else max(1, a.weeks - 2)
SIZE = [0, 2, 3, 10, 12, 13, 20, 22, 23]  # radius, perimeter and area: mean, error, worst

events, truth_rows = [], []
for day in range(a.weeks * 7):
    week = day // 7
    for k in range(a.per_day):
        t = start + day * DAY + int(rng.integers(0, DAY))
        i = int(rng.integers(0, len(X_prod)))
        x = X_prod[i].copy() * rng.normal(1.0, 0.01, size=X_prod.shape[1])  # measurement noise
        if week >= shift_from:
            x[SIZE] *= max(0.8, 1.0 - 0.1 * (week - shift_from + 1))
        score = round(float(model.predict_proba(x.reshape(1, -1))[0, 1]), 6)  # as posted
        pid = f"{a.model}-{start}-{day}-{k}"
        events.append({"type": "prediction", "model": a.model, "env": a.env, "id": pid, "time": t, "prediction": int(score > 0.5), "score": score})
        label_time = t + int(rng.integers(1 * DAY, 5 * DAY))  # biopsy results arrive 1–5 days later
        if label_time <= end:
            events.append({"type": "outcome", "id": pid, "actual": int(y_prod[i]), "time": label_time})
            truth_rows.append((t, int(y_prod[i]), score))
        else:
            truth_rows.append((t, None, score))

# Send in batches, predictions and outcomes interleaved as they would arrive.
events.sort(key=lambda e: e["time"])
for b in range(0, len(events), 2000):
    body = "\n".join(json.dumps(e) for e in events[b : b + 2000]).encode()
    r = call("POST", "/api/v1/live", raw=body)
    if r.get("rejected"):
        sys.exit(f"tracker rejected a batch: {r['errors']}")
print(f"posted {len(events)} events: {a.weeks} weeks from {time.strftime('%Y-%m-%d %H:%M', time.gmtime(start / 1000))} UTC, shift from week {shift_from + 1}")

if a.truth:
    last_since, last_until = end - 7 * DAY, end
    rows = [r for r in truth_rows if last_since <= r[0] < last_until]
    labeled = [r for r in rows if r[1] is not None]
    y = np.array([r[1] for r in labeled])
    s = np.array([r[2] for r in labeled])
    m = holdout_metrics(y, (s > 0.5).astype(int), s)
    with open(a.truth, "w") as f:
        json.dump({"since": last_since, "until": last_until, "version": version, "predictions": len(rows), "labeled": len(labeled), "metrics": m}, f, indent=2)
