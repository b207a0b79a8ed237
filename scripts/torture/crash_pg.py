"""Crash safety on PostgreSQL (issue #18): crash.py's server and promote scenarios, pointed at a
PostgreSQL schema (a fresh one per trial) instead of a SQLite file.

  server   tracker serve --db postgres://… receiving log-batch (100 metrics per request), SIGKILLed
           at a random moment: every batch acknowledged with HTTP 200 is present, and the count is
           a whole number of batches (no batch partially present).
  promote  a loop of tracker promote/rollback on the URL, the process group SIGKILLed: exactly one
           version is live and the ledger is an unbroken chain whose last entry is what is live.
Stored data is read back through the tracker CLI on the same URL.
Usage: crash_pg.py TRACKER_BIN POSTGRES_URL [TRIALS] (default 20). Exits 1 on any violation.
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

TRACKER, BASE = sys.argv[1], sys.argv[2]
TRIALS = int(sys.argv[3]) if len(sys.argv) > 3 else 20
rng = random.Random(int(os.environ.get("SEED", "1")))
failures = []


def fresh_db():
    return BASE + ("&" if "?" in BASE else "?") + "search_path=crash_" + uuid.uuid4().hex[:12]


def tracker(db, *args):
    r = subprocess.run([TRACKER, *args, "--db", db], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"tracker {' '.join(args)}: {r.stderr}")
    return r.stdout.strip()


def scenario_server(tmp, trial):
    db = fresh_db()
    tracker(db, "init")
    run = tracker(db, "run", "start")
    proc = subprocess.Popen([TRACKER, "serve", "--db", db, "--artifacts", tmp, "--port", "0", "--log-level", "error"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = proc.stdout.readline().split("listening on ")[1].split(" ")[0]
    acked = [0]
    stop = [False]

    def client(c):
        b = 0
        while not stop[0]:
            steps = range((c * 1_000_000) + b * 100, (c * 1_000_000) + b * 100 + 100)
            body = json.dumps({"run_id": run, "metrics": [{"key": "m", "value": 1.0, "timestamp": 1, "step": s} for s in steps]}).encode()
            try:
                req = urllib.request.Request(url + "/api/2.0/mlflow/runs/log-batch", data=body, method="POST", headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=10) as r:
                    if r.status == 200:
                        acked[0] += 1
            except Exception:
                return
            b += 1

    clients = [threading.Thread(target=client, args=(c,)) for c in range(4)]
    for t in clients:
        t.start()
    time.sleep(rng.uniform(0.3, 2.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stop[0] = True
    for t in clients:
        t.join()
    stored = len(json.loads(tracker(db, "metric", "history", run, "m", "--json")))
    if stored < acked[0] * 100:
        failures.append(f"server trial {trial}: acknowledged {acked[0]} batches but only {stored} points present")
    if stored % 100 != 0:
        failures.append(f"server trial {trial}: {stored} points: a log-batch is partially present")
    return stored, acked[0] * 100


def scenario_promote(tmp, trial):
    db = fresh_db()
    tracker(db, "init")
    for _ in range(3):
        tracker(db, "model", "register", "m")
    tracker(db, "promote", "m", "1", "--to", "production")
    script = (f'i=0; while true; do i=$((i+1)); "{TRACKER}" promote m $((i % 3 + 1)) --to production --db "{db}" >/dev/null 2>&1; '
              f'if [ $((i % 5)) = 0 ]; then "{TRACKER}" rollback m --env production --db "{db}" >/dev/null 2>&1; fi; done')
    procs = [subprocess.Popen(["bash", "-c", script], start_new_session=True) for _ in range(2)]
    time.sleep(rng.uniform(0.5, 2.5))
    for p in procs:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    ledger = json.loads(tracker(db, "deployments", "--model", "m", "--env", "production", "--json"))
    live = json.loads(tracker(db, "deployments", "--model", "m", "--env", "production", "--at", str(int(time.time() * 1000) + 1000), "--json"))
    if len(live) != 1:
        failures.append(f"promote trial {trial}: {len(live)} current deployments")
    elif live[0]["version"] != ledger[-1]["to_version"]:
        failures.append(f"promote trial {trial}: live version {live[0]['version']} but the ledger ends at {ledger[-1]['to_version']}")
    for a, b in zip(ledger, ledger[1:]):
        if b["from_version"] != a["to_version"]:
            failures.append(f"promote trial {trial}: ledger chain broken between entries {a['id']} and {b['id']}")
    return len(ledger), len(ledger)


t0 = time.time()
per = max(1, TRIALS // 2)
with tempfile.TemporaryDirectory() as tmp:
    for name, fn in [("server", scenario_server), ("promote", scenario_promote)]:
        rows = [fn(tmp, i) for i in range(per)]
        mid = sum(1 for s, a in rows if s > a)
        print(f"crash {name} (PostgreSQL): {per} SIGKILL trials, stored rows ranged {min(s for s, _ in rows)}–{max(s for s, _ in rows)}, "
              f"{mid} kills landed after a commit but before its acknowledgement")
print(f"{per * 2} trials in {time.time() - t0:.0f}s; {len(failures)} violations")
for f in failures:
    print("VIOLATION:", f)
sys.exit(1 if failures else 0)
