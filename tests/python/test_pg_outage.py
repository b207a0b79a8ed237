"""One `tracker serve` through an outage of its PostgreSQL (issue #18): /health answers 503 and a
request 503 TEMPORARILY_UNAVAILABLE (without the server's address) while the database is down, so
a load balancer takes the server out and the mlflow client retries; both answer 200 again once
PostgreSQL is back, without restarting the server.

Starts its own throwaway cluster with scripts/pg.sh (it stops and restarts it); skipped when
PostgreSQL is not installed, except when CI=true or TRACKER_REQUIRE_POSTGRES=1, where it fails."""
import os
import subprocess
import tempfile

import pytest

from conftest import Server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG = os.path.join(ROOT, "scripts", "pg.sh")
REQUEST = "/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default"


def pg(*args):
    # Output to a file, not a pipe: the server pg_ctl starts would keep a pipe open.
    with tempfile.TemporaryFile("w+") as out:
        r = subprocess.run([PG, *args], stdout=out, stderr=subprocess.STDOUT, timeout=120)
        out.seek(0)
        text = out.read()
    return r.returncode, text


@pytest.fixture
def cluster():
    d = tempfile.mkdtemp(prefix="tracker-outage-")
    os.chmod(d, 0o755)  # the cluster runs as user postgres when we are root
    path = os.path.join(d, "c")
    code, out = pg("start", path)
    if code != 0:
        required = os.environ.get("CI") == "true" or os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1"
        if required:
            pytest.fail("PostgreSQL is required (CI=true or TRACKER_REQUIRE_POSTGRES=1) but scripts/pg.sh start failed: " + out)
        pytest.skip("PostgreSQL is not installed: " + out)
    try:
        yield path, out.strip().splitlines()[-1]
    finally:
        pg("stop", path)
        os.rmdir(d)


def test_health_and_requests_answer_503_while_postgresql_is_down(cluster):
    path, url = cluster
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(tmp, db=url, artifacts=os.path.join(tmp, "artifacts"))
        try:
            assert server.request("GET", "/health") == (200, b"OK")
            assert server.request("GET", REQUEST)[0] == 200
            assert pg("pause", path)[0] == 0
            assert server.request("GET", "/health")[0] == 503
            status, body = server.request("GET", REQUEST)
            assert status == 503 and b"TEMPORARILY_UNAVAILABLE" in body, body
            assert b"the database is unreachable; retry" in body and b"127.0.0.1" not in body, body
            assert pg("resume", path)[0] == 0
            assert server.request("GET", "/health") == (200, b"OK")
            assert server.request("GET", REQUEST)[0] == 200
        finally:
            server.stop()
