"""Fixtures: a real `tracker serve` on a free loopback port, with a fresh database per test module
(SQLite, and PostgreSQL too when TRACKER_TEST_POSTGRES_URL is set: issue #18)."""
import json
import os
import subprocess
import tempfile
import time
import urllib.request
import uuid

import pytest

TRACKER = os.environ.get("TRACKER_BIN") or os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "tracker")


class Server:
    """`tracker serve` on a free loopback port: on TMP/tracker.db, or on `db` (a path or a
    postgres:// URL) with `artifacts`. With wait=False it is started but not yet waited for
    (call wait_listening), so several servers can start at the same moment."""

    def __init__(self, tmp, token=None, db=None, artifacts=None, wait=True):
        self.tmp = tmp
        self.db = db or os.path.join(tmp, "tracker.db")
        args = [TRACKER, "serve", "--db", self.db, "--port", "0", "--log-level", "warning"]
        env = dict(os.environ)
        env.pop("TRACKER_TOKEN", None)
        if token:
            args += ["--token", token]
        if artifacts:
            args += ["--artifacts", artifacts]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.token = token
        if wait:
            self.wait_listening()

    def wait_listening(self):
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError("tracker serve did not start: " + line + self.proc.stderr.read())
        self.url = line.split("listening on ")[1].split(" ")[0]

    def cli(self, *args, check=True):
        # In the test's folder: on PostgreSQL the default artifacts folder is ./tracker-artifacts.
        r = subprocess.run([TRACKER, *args, "--db", self.db], capture_output=True, text=True, cwd=self.tmp)
        if check and r.returncode != 0:
            raise AssertionError(f"tracker {' '.join(args)} exited {r.returncode}: {r.stderr}")
        return r

    def request(self, method, path, body=None, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def backends():
    """SQLite always; PostgreSQL too when a server is configured (scripts/test.sh sets it) or
    required (CI=true or TRACKER_REQUIRE_POSTGRES=1: then a missing URL fails its cases)."""
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL", "")
    required = os.environ.get("CI") == "true" or os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1"
    return ["sqlite", "postgres"] if url or required else ["sqlite"]


def postgres_schema_url():
    """A fresh schema of the test PostgreSQL (tracker creates it on first use)."""
    base = os.environ.get("TRACKER_TEST_POSTGRES_URL", "")
    if not base:
        pytest.fail("PostgreSQL is required (CI=true or TRACKER_REQUIRE_POSTGRES=1) but TRACKER_TEST_POSTGRES_URL is unset; "
                    "run scripts/test.sh, or start one with scripts/pg.sh start DIR")
    return base + ("&" if "?" in base else "?") + "search_path=py_" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="module", params=backends())
def server(request):
    """One server per module and backend: the module's tests run on SQLite, then on PostgreSQL."""
    with tempfile.TemporaryDirectory() as tmp:
        if request.param == "postgres":
            s = Server(tmp, db=postgres_schema_url(), artifacts=os.path.join(tmp, "artifacts"))
        else:
            s = Server(tmp)
        os.environ["MLFLOW_TRACKING_URI"] = s.url
        try:
            yield s
        finally:
            s.stop()
            os.environ.pop("MLFLOW_TRACKING_URI", None)
