"""One `mlflow server` and one `tracker serve` for the whole session (mlflow takes seconds to
start), the results of every comparison, and the per-endpoint difference table at the end."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from harness import Servers  # noqa: E402

RESULTS = []  # (group, case name, same, difference, allow-list reason)


@pytest.fixture(scope="session")
def servers():
    s = Servers()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def ctxs():
    """Per-server ids handed out so far ([mlflow, tracker]), shared by every group."""
    return [{}, {}]


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    w = terminalreporter.write_line
    groups = {}
    for group, _, same, _, why in RESULTS:
        g = groups.setdefault(group, [0, 0, 0])
        g[0] += 1
        if not same:
            g[1 if why is None else 2] += 1
    w("")
    w(f"{'MLflow compatibility: endpoint group':40} {'compared':>9} {'differ':>7} {'allowed':>8}")
    for group, (n, bad, ok) in groups.items():
        w(f"{group:40} {n:>9} {bad:>7} {ok:>8}")
    total = [sum(g[i] for g in groups.values()) for i in range(3)]
    w(f"{'total':40} {total[0]:>9} {total[1]:>7} {total[2]:>8}")
    for group, name, same, diff, why in RESULTS:
        if not same and why is None:
            w(f"DIFF [{group}] {name}: {diff}")
    if os.environ.get("COMPAT_SHOW_ALLOWED"):
        for group, name, same, diff, why in RESULTS:
            if not same and why is not None:
                w(f"allowed [{group}] {name}: {diff} -- {why}")
