"""One `mlflow server` and one `tracker serve` for the whole session (mlflow takes seconds to
start), the results of every comparison, and the per-endpoint difference table at the end."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from harness import Servers  # noqa: E402

RESULTS = []  # (backend, group, case name, same, difference, allow-list reason)
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session", params=BACKENDS)
def servers(request):
    """The pair of servers with tracker on SQLite, then again on PostgreSQL (the same cases, the
    same allow-list). PostgreSQL comes from TRACKER_TEST_POSTGRES_URL (scripts/test.sh starts one);
    without it that half is skipped, except when CI=true or TRACKER_REQUIRE_POSTGRES=1 (fails)."""
    if request.param == "postgres" and not os.environ.get("TRACKER_TEST_POSTGRES_URL"):
        if os.environ.get("CI") == "true" or os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (CI=true or TRACKER_REQUIRE_POSTGRES=1) but TRACKER_TEST_POSTGRES_URL is unset")
        pytest.skip("TRACKER_TEST_POSTGRES_URL is unset (scripts/test.sh starts a PostgreSQL)")
    s = Servers(request.param)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def ctxs(servers):
    """Per-server ids handed out so far ([mlflow, tracker]), shared by every group of one backend."""
    return [{}, {}]


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    w = terminalreporter.write_line
    for backend in BACKENDS:
        results = [r[1:] for r in RESULTS if r[0] == backend]
        if results:
            summarise(w, backend, results)


def summarise(w, backend, results):
    """The per-endpoint table of one backend's run, then its unexplained differences."""
    groups = {}
    for group, _, same, _, why in results:
        g = groups.setdefault(group, [0, 0, 0])
        g[0] += 1
        if not same:
            g[1 if why is None else 2] += 1
    w("")
    w(f"{'MLflow compatibility (tracker on ' + backend + ')':40} {'compared':>9} {'differ':>7} {'allowed':>8}")
    for group, (n, bad, ok) in groups.items():
        w(f"{group:40} {n:>9} {bad:>7} {ok:>8}")
    total = [sum(g[i] for g in groups.values()) for i in range(3)]
    w(f"{'total (' + backend + ')':40} {total[0]:>9} {total[1]:>7} {total[2]:>8}")
    for group, name, same, diff, why in results:
        if not same and why is None:
            w(f"DIFF {backend} [{group}] {name}: {diff}")
    if os.environ.get("COMPAT_SHOW_ALLOWED"):
        for group, name, same, diff, why in results:
            if not same and why is not None:
                w(f"allowed {backend} [{group}] {name}: {diff} -- {why}")
