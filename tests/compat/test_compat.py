"""The differential harness: the same requests to `mlflow server` and `tracker serve`, compared
after normalising ids, times and generated names. One test per endpoint group and per client
flow; a group fails on any difference that allow.py does not explain."""
import pytest

from allow import allowed
from cases import GROUPS
from conftest import RESULTS
from flows import FLOWS, run_flow
from harness import Result, compare_case, first_difference, normalise


# Groups that differ on PostgreSQL only, each with the bug it shows (strict xfail: a fix makes
# the group pass and the entry must go). None now: the one found (a refused experiments/create
# used up an id) is fixed in ExperimentRepository.insertExperiment.
POSTGRES_KNOWN_BUGS: dict[str, str] = {}


def mark_known_bug(request, servers, group):
    if servers.backend == "postgres" and group in POSTGRES_KNOWN_BUGS:
        request.node.add_marker(pytest.mark.xfail(reason=POSTGRES_KNOWN_BUGS[group], strict=True))


def record(backend, results):
    unexplained = []
    for r in results:
        why = None if r.same else allowed(r.group, r.case, r.diff)
        RESULTS.append((backend, r.group, r.case, r.same, r.diff, why))
        if not r.same and why is None:
            unexplained.append(f"{r.case}: {r.diff}")
    return unexplained


@pytest.mark.parametrize("group,make", GROUPS, ids=[g for g, _ in GROUPS])
def test_endpoint_group(request, servers, ctxs, group, make):
    mark_known_bug(request, servers, group)
    results = [compare_case(servers, case, ctxs) for case in make()]
    unexplained = record(servers.backend, results)
    assert not unexplained, f"{len(unexplained)} of {len(results)} requests differ:\n" + "\n".join(unexplained)


@pytest.mark.parametrize("name,flow", FLOWS, ids=[n for n, _ in FLOWS])
def test_client_flow(request, servers, ctxs, name, flow):
    mark_known_bug(request, servers, name)
    steps_m = run_flow(servers.mlflow, flow, ctxs[0])
    steps_t = run_flow(servers.tracker, flow, ctxs[1])
    results = []
    for (step, vm), (_, vt) in zip(steps_m, steps_t):
        d = first_difference(normalise(vm, ctxs[0]), normalise(vt, ctxs[1]))
        results.append(Result(step, name, not d, d))
    if len(steps_m) != len(steps_t):
        results.append(Result("step count", name, False, f"{len(steps_m)} / {len(steps_t)} steps"))
    unexplained = record(servers.backend, results)
    assert not unexplained, f"{len(unexplained)} of {len(results)} steps differ:\n" + "\n".join(unexplained)
