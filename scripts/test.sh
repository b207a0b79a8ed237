#!/usr/bin/env bash
# The test command (README "Set up"): format lint, the Swift test suite, then the Python
# client tests when their suite exists. Installs what it needs when missing.
set -euo pipefail
set -o pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -f /usr/include/sqlite3.h ] || need_apt+=(libsqlite3-dev)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

echo "== Python environment (.venv, pinned in tests/requirements.txt): the Swift suite's browser test uses its selenium"
scripts/python-env.sh

echo "== PostgreSQL 15 for the store's second backend (a throwaway cluster, stopped on exit)"
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/tracker-pg.XXXXXX")
chmod 755 "$pg_dir" # the cluster runs as user postgres when we are root
trap 'scripts/pg.sh stop "$pg_dir/cluster"; scripts/pg.sh stop "$pg_dir/tls-cluster"; rm -rf "$pg_dir"' EXIT
# Starts one cluster (pg.sh VERB DIR) into the variable NAME; a failure fails the run where
# PostgreSQL is required (CI=true or TRACKER_REQUIRE_POSTGRES=1) and skips its cases elsewhere.
start_cluster() { # NAME VERB DIR WHAT SKIPPED
  local url
  if url=$(scripts/pg.sh "$2" "$3"); then
    export "$1=$url"
    echo "$4 at $url"
  elif [ "${CI:-}" = true ] || [ "${TRACKER_REQUIRE_POSTGRES:-}" = 1 ]; then
    echo "$4 is required here (CI=true or TRACKER_REQUIRE_POSTGRES=1) but did not start" >&2
    exit 1
  else
    echo "$4 did not start: $5"
  fi
}
start_cluster TRACKER_TEST_POSTGRES_URL start "$pg_dir/cluster" PostgreSQL \
  "the PostgreSQL half of the store suite is skipped (install Debian's 'postgresql')"
# A second one with TLS on (its own CA; PostgresTLSTests): sslmode, sslrootcert, client certificates.
start_cluster TRACKER_TEST_POSTGRES_TLS_URL start-tls "$pg_dir/tls-cluster" "PostgreSQL with TLS" \
  "PostgresTLSTests' TLS cases are skipped (needs 'postgresql' and 'openssl')"
if [ -n "${TRACKER_TEST_POSTGRES_TLS_URL:-}" ]; then
  export TRACKER_TEST_POSTGRES_TLS_DIR="$pg_dir/tls-cluster/tls" # its CA and client certificate
fi

echo "== swift format lint"
swift format lint --strict -r Sources Tests Plugins Package.swift scripts/bench

echo "== swift build"
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
swift build --build-tests >/dev/null

echo "== swift test"
swift test --skip-build --parallel 2>&1 | tee .build/swift-test.log | grep -vE '^(◇|↳) |^✔ Test .*\(\) passed' || true
# Fail if the Swift suite failed (the pipeline above hides the exit status).
if grep -qE '(✘ Test run|error: )' .build/swift-test.log || ! grep -qE '✔ Test run with [0-9]+ tests' .build/swift-test.log; then
  echo "Swift tests FAILED" >&2
  exit 1
fi

echo "== python client tests (the real mlflow client against tracker serve)"
TRACKER_BIN="$(swift build --show-bin-path)/tracker" .venv/bin/python -m pytest -q -p no:cacheprovider tests/python | tee .build/pytest.log
echo "== MLflow compatibility harness (the same requests to mlflow server and tracker serve, compared)"
TRACKER_BIN="$(swift build --show-bin-path)/tracker" .venv/bin/python -m pytest -q -p no:cacheprovider tests/compat | tee -a .build/pytest.log

echo "== web UI in a real browser (headless chromium: clicks, screenshots in .build/ui-screenshots/, axe-core)"
TRACKER_REQUIRE_BROWSER=1 TRACKER_BIN="$(swift build --show-bin-path)/tracker" .venv/bin/python -m pytest -q -p no:cacheprovider tests/ui | tee -a .build/pytest.log

echo "== reliability suite, reduced (scripts/torture/run.sh runs the full one)"
TRACKER_BIN="$(swift build --show-bin-path)/tracker" scripts/torture/run.sh --ci

swift_passed=$(sed -n 's/.*Test run with \([0-9]*\) tests.*passed.*/\1/p' .build/swift-test.log | tail -1)
# pytest.log holds one summary line per Python suite (client tests, compatibility harness, browser): sum them.
py_passed=$(grep -E '^[0-9]+ passed|^=+ [0-9]+ passed' .build/pytest.log | grep -oE '[0-9]+ passed' | awk '{s += $1} END {print s + 0}')
echo "all suites: $((swift_passed + py_passed)) passed, 0 failed"
