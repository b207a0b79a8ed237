"""Two `tracker serve` processes on one PostgreSQL schema and one artifact root (issue #18, item 4):
what the mlflow client writes through one is read through the other, racing promotes split
across both (and the CLI) leave one current deployment and an unbroken ledger, and a bounded
soak of log-batch and reads across both loses no acknowledged write.

Needs TRACKER_TEST_POSTGRES_URL (scripts/test.sh starts a throwaway cluster and exports it);
without it these tests are skipped, except when CI=true or TRACKER_REQUIRE_POSTGRES=1, where
they fail."""
import json
import os
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

from conftest import TRACKER, Server


def postgres_base_url():
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL", "")
    required = os.environ.get("CI") == "true" or os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1"
    if not url:
        if required:
            pytest.fail("PostgreSQL is required (CI=true or TRACKER_REQUIRE_POSTGRES=1) but TRACKER_TEST_POSTGRES_URL is unset; "
                        "run scripts/test.sh, or start one with scripts/pg.sh start DIR")
        pytest.skip("TRACKER_TEST_POSTGRES_URL is unset (scripts/test.sh starts a PostgreSQL)")
    return url


def fresh_schema_url(base):
    """The base URL with a schema of its own (tracker creates it when missing)."""
    return base + ("&" if "?" in base else "?") + "search_path=two_" + uuid.uuid4().hex[:12]


def request(server, method, path, body=None):
    """conftest's Server.request with a successful answer's JSON decoded."""
    status, raw = server.request(method, path, body)
    return status, (json.loads(raw or b"null") if status == 200 else raw)


@pytest.fixture(scope="module")
def pair():
    """Servers A and B, started together on a fresh schema (they migrate it once between them)."""
    db = fresh_schema_url(postgres_base_url())
    with tempfile.TemporaryDirectory() as tmp:
        artifacts = os.path.join(tmp, "artifacts")
        a, b = (Server(tmp, db=db, artifacts=artifacts, wait=False) for _ in range(2))
        try:
            a.wait_listening()
            b.wait_listening()
            yield a, b
        finally:
            a.stop()
            b.stop()


def cli(db, *args):
    r = subprocess.run([TRACKER, *args, "--db", db], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"tracker {' '.join(args)} exited {r.returncode}: {r.stderr}"
    return r.stdout


def test_written_through_one_server_read_through_the_other(pair):
    a, b = pair
    ca, cb = MlflowClient(tracking_uri=a.url), MlflowClient(tracking_uri=b.url)
    exp = ca.create_experiment("two-servers")
    run = ca.create_run(exp, run_name="written-on-a", tags={"team": "ml"})
    rid = run.info.run_id
    ca.log_param(rid, "lr", "0.01")
    for step in range(5):
        ca.log_metric(rid, "loss", 1.0 / (step + 1), step=step)
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "notes.txt")
        with open(p, "w") as f:
            f.write("shared artifact root")
        ca.log_artifact(rid, p, artifact_path="docs")
    ca.set_terminated(rid)

    got = cb.get_run(rid)
    assert got.info.run_name == "written-on-a" and got.info.status == "FINISHED"
    assert got.data.params == {"lr": "0.01"} and got.data.tags["team"] == "ml"
    assert got.data.metrics["loss"] == pytest.approx(0.2)
    assert [(m.step, m.value) for m in cb.get_metric_history(rid, "loss")] == [(s, 1.0 / (s + 1)) for s in range(5)]
    assert cb.get_experiment_by_name("two-servers").experiment_id == exp
    assert [r.info.run_id for r in cb.search_runs([exp], "params.lr = '0.01'")] == [rid]
    assert [x.path for x in cb.list_artifacts(rid, "docs")] == ["docs/notes.txt"]
    with tempfile.TemporaryDirectory() as d:
        local = cb.download_artifacts(rid, "docs/notes.txt", d)
        assert open(local).read() == "shared artifact root"


def register_versions(db, model, n):
    for i in range(n):
        r = cli(db, "run", "start", "--experiment", model).strip()
        cli(db, "log", "metric", r, "auc", str(0.8 + i / 100))
        cli(db, "model", "register", model, "--run", r)


def test_racing_promotes_across_both_servers_and_the_cli(pair):
    a, b = pair
    model = "racer"
    register_versions(a.db, model, 3)
    # The first deployment makes `production` a known environment; then the race.
    assert request(a, "POST", "/api/v1/promote", {"model": model, "version": "1", "env": "production"})[0] == 200

    def over_http(i):
        server = (a, b)[i % 2]
        return request(server, "POST", "/api/v1/promote", {"model": model, "version": str(i % 3 + 1), "env": "production", "actor": f"h{i}"})

    procs = [subprocess.Popen([TRACKER, "promote", model, str(i % 3 + 1), "--to", "production", "--actor", f"c{i}", "--db", a.db],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for i in range(6)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(over_http, range(24)))
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    assert [s for s, _ in answers] == [200] * 24, answers
    assert {body["result"] for _, body in answers} <= {"promoted", "already_live"}

    for server in (a, b):
        status, ledger = request(server, "GET", f"/api/v1/deployments?model={model}&env=production")
        assert status == 200 and len(ledger) >= 2
        assert ledger[0]["from_version"] is None
        for prev, nxt in zip(ledger, ledger[1:]):
            assert nxt["from_version"] == prev["to_version"] and nxt["to_version"] != prev["to_version"], ledger
        now = int(time.time() * 1000) + 1000
        status, live = request(server, "GET", f"/api/v1/deployments?model={model}&env=production&at={now}")
        assert status == 200 and [(d["model"], d["env"], d["version"]) for d in live] == [(model, "production", ledger[-1]["to_version"])]


SOAK_WRITERS = 4
SOAK_BATCHES = 40  # per writer
SOAK_POINTS = 25  # metrics per batch
SOAK_SECONDS = 90  # the whole soak stops here even when batches remain


def test_soak_log_batch_and_reads_across_both_servers(pair):
    a, b = pair
    ca = MlflowClient(tracking_uri=a.url)
    exp = ca.create_experiment("soak")
    runs = [ca.create_run(exp).info.run_id for _ in range(SOAK_WRITERS)]
    acked = {rid: [] for rid in runs}  # (step, value) of every batch the server answered 200 to
    errors = []
    deadline = time.time() + SOAK_SECONDS
    done = threading.Event()

    def writer(w):
        rid = runs[w]
        for n in range(SOAK_BATCHES):
            if time.time() > deadline:
                return
            server = (a, b)[(w + n) % 2]
            ts = int(time.time() * 1000)
            points = [(n * SOAK_POINTS + k, float(w * 1_000_000 + n * SOAK_POINTS + k)) for k in range(SOAK_POINTS)]
            body = {"run_id": rid, "metrics": [{"key": "m", "value": v, "timestamp": ts, "step": s} for s, v in points],
                    "params": [{"key": f"p{n}", "value": str(n)}]}
            status, answer = request(server, "POST", "/api/2.0/mlflow/runs/log-batch", body)
            if status == 200:
                acked[rid].extend(points)
            else:
                errors.append((server.url, status, answer))

    def reader(r):
        c = MlflowClient(tracking_uri=(b, a)[r % 2].url)
        while not done.is_set():
            try:
                rid = runs[r % len(runs)]
                c.get_run(rid)
                c.search_runs([exp], max_results=10)
            except Exception as e:  # a read failing under load is a finding, not noise
                errors.append(("read", repr(e)))
                return

    readers = [threading.Thread(target=reader, args=(r,)) for r in range(2)]
    for t in readers:
        t.start()
    with ThreadPoolExecutor(max_workers=SOAK_WRITERS) as pool:
        list(pool.map(writer, range(SOAK_WRITERS)))
    done.set()
    for t in readers:
        t.join(timeout=60)
    assert not errors, errors[:5]
    assert sum(len(v) for v in acked.values()) >= SOAK_POINTS * SOAK_WRITERS  # the soak did write

    for c in (MlflowClient(tracking_uri=a.url), MlflowClient(tracking_uri=b.url)):
        for rid, points in acked.items():
            history = sorted((m.step, m.value) for m in c.get_metric_history(rid, "m"))
            assert history == sorted(points), f"run {rid}: {len(history)} stored, {len(points)} acknowledged"
            assert len(c.get_run(rid).data.params) == len(points) // SOAK_POINTS
