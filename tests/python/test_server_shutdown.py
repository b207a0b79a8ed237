"""SIGTERM while clients are writing: the server exits 0 promptly and every log-batch it
acknowledged is in the database."""
import json
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.request

from conftest import TRACKER


def test_sigterm_commits_in_flight_writes():
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/t.db"
        run = subprocess.run([TRACKER, "run", "start", "--db", db], capture_output=True, text=True, check=True).stdout.strip()
        p = subprocess.Popen([TRACKER, "serve", "--db", db, "--port", "0", "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        url = p.stdout.readline().split("listening on ")[1].split(" ")[0]
        acked = [0] * 4

        def client(k):
            b = 0
            while True:
                body = json.dumps({"run_id": run, "metrics": [{"key": f"m{k}", "value": 1, "timestamp": 1, "step": b * 100 + j} for j in range(100)]}).encode()
                try:
                    req = urllib.request.Request(url + "/api/2.0/mlflow/runs/log-batch", data=body, method="POST")
                    with urllib.request.urlopen(req, timeout=5) as r:
                        if r.status == 200:
                            acked[k] += 1
                except Exception:
                    return
                b += 1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
        for t in threads:
            t.join()
        stored = sqlite3.connect(db).execute("SELECT count(*) FROM metrics").fetchone()[0]
        assert sum(acked) > 0
        assert stored >= sum(acked) * 100
        assert stored % 100 == 0
