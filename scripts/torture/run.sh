#!/usr/bin/env bash
# The reliability suite. Locally: scripts/torture/run.sh (200 crash trials, 120 s soak, 1,000,000
# fuzz inputs per parser, disk full / read-only). In CI: scripts/torture/run.sh --ci (20 trials,
# 15 s soak, 4 s of fuzzing per parser). Prints figures; exits 1 on any violation.
set -uo pipefail
cd "$(dirname "$0")/../.."
CI_MODE=0; [ "${1:-}" = "--ci" ] && CI_MODE=1
T=${TRACKER_BIN:-}
if [ -z "$T" ]; then
  swift build -c release --static-swift-stdlib --product tracker >/dev/null 2>&1 || { echo "release build failed"; exit 1; }
  T="$(swift build -c release --static-swift-stdlib --show-bin-path)/tracker"
fi
status=0
if [ $CI_MODE = 1 ]; then TRIALS=20; SOAK=15; else TRIALS=${TRIALS:-200}; SOAK=${SOAK:-120}; fi
echo "== crash safety ($TRIALS SIGKILL trials)"
python3 scripts/torture/crash.py "$T" "$TRIALS" || status=1
if [ -n "${TRACKER_TEST_POSTGRES_URL:-}" ]; then
  echo "== crash safety on PostgreSQL ($((TRIALS / 4)) SIGKILL trials)"
  python3 scripts/torture/crash_pg.py "$T" "$TRACKER_TEST_POSTGRES_URL" $((TRIALS / 4)) || status=1
fi
echo "== concurrency soak (8 processes, ${SOAK}s)"
python3 scripts/torture/soak.py "$T" "$SOAK" || status=1
echo "== disk full / read-only"
scripts/torture/diskfull.sh "$T" || status=1
echo "== fuzzing"
if [ $CI_MODE = 1 ]; then
  SECONDS_PER_TARGET=4 scripts/torture/fuzz.sh || status=1
else
  scripts/torture/fuzz.sh "${FUZZ_RUNS:-1000000}" || status=1
fi
[ $status = 0 ] && echo "torture: all held" || echo "torture: FAILED"
exit $status
