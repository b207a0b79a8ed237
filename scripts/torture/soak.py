"""Concurrency soak: 8 processes on one database for a bounded time — 2 × `tracker ingest`,
2 × `tracker run exec` (a Python script logging through tracker_log.py), 2 × HTTP clients of one
`tracker serve` (runs/create + log-batch), 1 × promote/rollback loop, 1 × report loop. Every
user-visible error counts; at the end every acknowledged write is counted in the database.
Usage: soak.py TRACKER_BIN [SECONDS] (default 60). Exits 1 on any error or lost write."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TRACKER = sys.argv[1]
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 60
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
errors, lock = [], threading.Lock()
expected = {"ingest_points": 0, "exec_points": 0, "server_points": 0, "promotions": 0, "reports": 0, "runs": 0}


def add(k, n):
    with lock:
        expected[k] += n


def err(who, msg):
    with lock:
        errors.append(f"{who}: {msg}")


def run(args, who, **kw):
    # --db goes before "--" (after it, arguments belong to the wrapped command).
    args = args[: args.index("--")] + ["--db", DB] + args[args.index("--") :] if "--" in args else args + ["--db", DB]
    r = subprocess.run([TRACKER, *args], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        err(who, f"exit {r.returncode}: {r.stderr.strip()[:300]}")
    return r


def ingest_worker(w, deadline):
    i = 0
    while time.time() < deadline:
        lines = [json.dumps({"type": "run_start", "experiment": "soak", "name": f"ingest-{w}-{i}"})]
        lines += [json.dumps({"type": "metric", "key": "m", "value": j, "step": j}) for j in range(2000)]
        lines.append(json.dumps({"type": "run_end"}))
        if run(["ingest", "-", "--batch-size", "500"], f"ingest{w}", input="\n".join(lines)).returncode == 0:
            add("ingest_points", 2000)
            add("runs", 1)
        i += 1


def exec_worker(w, deadline):
    script = f"import sys; sys.path.insert(0, {os.path.join(ROOT, 'clients', 'python')!r}); import tracker_log as t\nfor i in range(300): t.log_metric('e', i, step=i)\nt.log_param('w', {w})"
    while time.time() < deadline:
        if run(["run", "exec", "--experiment", "soak", "--", sys.executable, "-c", script], f"exec{w}").returncode == 0:
            add("exec_points", 300)
            add("runs", 1)


def server_worker(w, deadline, url):
    def post(path, body):
        req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}")

    while time.time() < deadline:
        try:
            rid = post("/api/2.0/mlflow/runs/create", {"experiment_id": "0"})["run"]["info"]["run_id"]
            add("runs", 1)
            for b in range(5):
                post("/api/2.0/mlflow/runs/log-batch", {"run_id": rid, "metrics": [{"key": "s", "value": 1, "timestamp": 1, "step": b * 200 + j} for j in range(200)]})
                add("server_points", 200)
            post("/api/2.0/mlflow/runs/update", {"run_id": rid, "status": "FINISHED", "end_time": int(time.time() * 1000)})
        except Exception as e:  # any HTTP error reaches a user
            err(f"server{w}", str(e))


def promote_worker(deadline):
    i = 0
    while time.time() < deadline:
        i += 1
        r = run(["promote", "soak-model", str(i % 3 + 1), "--to", "production"], "promote")
        if r.returncode == 0 and "promoted" in r.stdout:
            add("promotions", 1)
        if i % 4 == 0 and run(["rollback", "soak-model", "--env", "production"], "rollback").returncode == 0:
            add("promotions", 1)


def report_worker(deadline):
    while time.time() < deadline:
        if run(["report", "--format", "json", "--since", "2026-01-01", "--until", "2030-01-01"], "report").returncode == 0:
            add("reports", 1)


with tempfile.TemporaryDirectory() as tmp:
    DB = os.path.join(tmp, "soak.db")
    subprocess.run([TRACKER, "init", "--db", DB], check=True, capture_output=True)
    for _ in range(3):
        subprocess.run([TRACKER, "model", "register", "soak-model", "--db", DB], check=True, capture_output=True)
    subprocess.run([TRACKER, "promote", "soak-model", "1", "--to", "production", "--db", DB], check=True, capture_output=True)
    expected["promotions"] = 1
    server = subprocess.Popen([TRACKER, "serve", "--db", DB, "--port", "0", "--log-level", "error"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = server.stdout.readline().split("listening on ")[1].split(" ")[0]
    deadline = time.time() + SECONDS
    workers = [threading.Thread(target=ingest_worker, args=(w, deadline)) for w in range(2)]
    workers += [threading.Thread(target=exec_worker, args=(w, deadline)) for w in range(2)]
    workers += [threading.Thread(target=server_worker, args=(w, deadline, url)) for w in range(2)]
    workers += [threading.Thread(target=promote_worker, args=(deadline,)), threading.Thread(target=report_worker, args=(deadline,))]
    t0 = time.time()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    server.terminate()
    server.wait(timeout=30)
    con = sqlite3.connect(DB)
    q = lambda sql: con.execute(sql).fetchone()[0]
    got = {
        "ingest_points": q("SELECT count(*) FROM metrics m JOIN metric_keys k ON k.id = m.key_id WHERE k.key = 'm'"),
        "exec_points": q("SELECT count(*) FROM metrics m JOIN metric_keys k ON k.id = m.key_id WHERE k.key = 'e'"),
        "server_points": q("SELECT count(*) FROM metrics m JOIN metric_keys k ON k.id = m.key_id WHERE k.key = 's'"),
        "promotions": q("SELECT count(*) FROM deployment_ledger"),
        "runs": q("SELECT count(*) FROM runs"),
        "integrity": q("PRAGMA integrity_check"),
        "current_deployments": q("SELECT count(*) FROM deployments WHERE ended_at IS NULL"),
    }
    con.close()
    elapsed = time.time() - t0
    print(f"soak: 8 processes for {elapsed:.0f}s; {expected['reports']} reports; writes acknowledged vs found:")
    lost = []
    for k in ["ingest_points", "exec_points", "server_points", "promotions", "runs"]:
        print(f"  {k:14} acknowledged {expected[k]:>8}  in database {got[k]:>8}")
        if got[k] < expected[k]:
            lost.append(k)
    print(f"  integrity_check: {got['integrity']}; current deployments: {got['current_deployments']}; errors surfaced to users: {len(errors)}")
    for e in errors[:20]:
        print("  ERROR", e)
    ok = not errors and not lost and got["integrity"] == "ok" and got["current_deployments"] == 1
    print("soak: OK" if ok else "soak: FAILED")
    sys.exit(0 if ok else 1)
