"""Crash safety: SIGKILL tracker at random moments while it writes, then check the database.

Scenarios (TRIALS split evenly):
  ingest  tracker ingest --progress: every batch acknowledged ("committed N") is present, and the
          stored count is a whole number of batches (no batch partially present).
  live    tracker live ingest --progress: the same for predictions.
  server  tracker serve receiving log-batch (100 metrics per request): every batch acknowledged
          with HTTP 200 is present, the count is a whole number of batches.
  promote a loop of tracker promote: the ledger and the deployments agree, exactly one version is
          live, the history is an unbroken chain.
Every trial also runs PRAGMA integrity_check. Usage: crash.py TRACKER_BIN [TRIALS] (default 200).
Prints per-scenario figures and exits 1 on any violation.
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TRACKER = sys.argv[1]
TRIALS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
rng = random.Random(int(os.environ.get("SEED", "1")))
failures = []


def tracker(db, *args, check=True):
    r = subprocess.run([TRACKER, *args, "--db", db], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"tracker {' '.join(args)}: {r.stderr}")
    return r.stdout.strip()


def integrity(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def count(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def fail(scenario, trial, msg):
    failures.append(f"{scenario} trial {trial}: {msg}")


def kill_after(proc, seconds):
    time.sleep(seconds)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def scenario_ingest(tmp, trial, live=False):
    db = os.path.join(tmp, f"i{trial}.db")
    tracker(db, "init")
    batch = 500
    n = 100_000 if live else 300_000
    path = os.path.join(tmp, "events.jsonl" if not live else "live.jsonl")
    if not os.path.exists(path):
        with open(path, "w") as f:
            for i in range(n):
                if live:
                    f.write(json.dumps({"type": "prediction", "model": "m", "env": "production", "id": f"p{i}", "time": 1795000000000 + i, "prediction": i % 2}) + "\n")
                else:
                    f.write(json.dumps({"type": "metric", "key": "m", "value": i, "step": i}) + "\n")
    if live:
        tracker(db, "model", "register", "m")
        args = ["live", "ingest", path, "--batch-size", str(batch), "--progress"]
    else:
        run = tracker(db, "run", "start")
        args = ["ingest", path, "--run", run, "--batch-size", str(batch), "--progress"]
    proc = subprocess.Popen([TRACKER, *args, "--db", db], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    acked = [0]

    def read():
        for line in proc.stderr:
            if line.startswith("committed "):
                acked[0] = int(line.split()[1])

    reader = threading.Thread(target=read)
    reader.start()
    kill_after(proc, rng.uniform(0.02, 0.8))
    reader.join()
    if integrity(db) != "ok":
        fail("live" if live else "ingest", trial, "integrity_check failed")
        return None
    stored = count(db, "SELECT count(*) FROM predictions" if live else "SELECT count(*) FROM metrics")
    name = "live" if live else "ingest"
    if stored < acked[0]:
        fail(name, trial, f"acknowledged {acked[0]} but only {stored} present")
    if stored % batch != 0 and stored != n:
        fail(name, trial, f"{stored} rows: a batch is partially present")
    return stored, acked[0]


def scenario_server(tmp, trial):
    db = os.path.join(tmp, f"s{trial}.db")
    tracker(db, "init")
    run = tracker(db, "run", "start")
    proc = subprocess.Popen([TRACKER, "serve", "--db", db, "--port", "0", "--log-level", "error"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = proc.stdout.readline().split("listening on ")[1].split(" ")[0]
    acked = [0]
    stop = [False]

    def client():
        b = 0
        while not stop[0]:
            body = json.dumps({"run_id": run, "metrics": [{"key": "m", "value": 1.0, "timestamp": 1, "step": b * 100 + j} for j in range(100)]}).encode()
            try:
                req = urllib.request.Request(url + "/api/2.0/mlflow/runs/log-batch", data=body, method="POST", headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    if r.status == 200:
                        acked[0] += 1
            except Exception:
                return
            b += 1

    t = threading.Thread(target=client)
    t.start()
    kill_after(proc, rng.uniform(0.1, 1.0))
    stop[0] = True
    t.join()
    if integrity(db) != "ok":
        fail("server", trial, "integrity_check failed")
        return None
    stored = count(db, "SELECT count(*) FROM metrics")
    if stored < acked[0] * 100:
        fail("server", trial, f"acknowledged {acked[0]} batches but only {stored} points present")
    if stored % 100 != 0:
        fail("server", trial, f"{stored} points: a log-batch is partially present")
    return stored, acked[0] * 100


def scenario_promote(tmp, trial):
    db = os.path.join(tmp, f"p{trial}.db")
    tracker(db, "init")
    for _ in range(3):
        tracker(db, "model", "register", "m")
    script = f'i=0; while true; do i=$((i+1)); "{TRACKER}" promote m $((i % 3 + 1)) --to production --db "{db}" >/dev/null 2>&1; if [ $((i % 5)) = 0 ]; then "{TRACKER}" rollback m --env production --db "{db}" >/dev/null 2>&1; fi; done'
    proc = subprocess.Popen(["bash", "-c", script], start_new_session=True)
    time.sleep(rng.uniform(0.2, 1.5))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if integrity(db) != "ok":
        fail("promote", trial, "integrity_check failed")
        return None
    con = sqlite3.connect(db)
    ledger = con.execute("SELECT id, from_version, to_version, time FROM deployment_ledger WHERE env = 'production' ORDER BY id").fetchall()
    deps = con.execute(
        "SELECT d.ledger_id, v.version, d.started_at, d.ended_at FROM deployments d JOIN model_versions v ON v.id = d.version_id WHERE d.env = 'production' ORDER BY d.id"
    ).fetchall()
    con.close()
    if len(ledger) != len(deps):
        fail("promote", trial, f"{len(ledger)} ledger entries but {len(deps)} deployments")
    if deps and sum(1 for d in deps if d[3] is None) != 1:
        fail("promote", trial, "not exactly one current deployment")
    for (a, b) in zip(ledger, ledger[1:]):
        if b[1] != a[2]:
            fail("promote", trial, f"ledger chain broken between entries {a[0]} and {b[0]}")
    for (a, b) in zip(deps, deps[1:]):
        if a[3] != b[2]:
            fail("promote", trial, "deployment intervals do not chain")
    for (l, d) in zip(ledger, deps):
        if l[0] != d[0] or l[2] != d[1]:
            fail("promote", trial, "ledger and deployments disagree")
    return len(ledger), len(ledger)


scenarios = [("ingest", lambda tmp, i: scenario_ingest(tmp, i)), ("live", lambda tmp, i: scenario_ingest(tmp, i, live=True)), ("server", scenario_server), ("promote", scenario_promote)]
per = max(1, TRIALS // len(scenarios))
t0 = time.time()
with tempfile.TemporaryDirectory() as tmp:
    for name, fn in scenarios:
        rows = []
        for i in range(per):
            r = fn(tmp, i)
            if r:
                rows.append(r)
            for f in os.listdir(tmp):
                if f.endswith((".db", ".db-wal", ".db-shm")):
                    os.remove(os.path.join(tmp, f))
        mid_batch = sum(1 for s, a in rows if s > a)
        print(f"crash {name}: {per} SIGKILL trials, integrity ok in all, stored rows ranged {min((s for s, _ in rows), default=0)}–{max((s for s, _ in rows), default=0)}, {mid_batch} kills landed after a commit was durable but before it was acknowledged")
print(f"{per * len(scenarios)} trials in {time.time() - t0:.0f}s; {len(failures)} violations")
for f in failures:
    print("VIOLATION:", f)
sys.exit(1 if failures else 0)
