#!/usr/bin/env bash
# PostgreSQL figures (issue #18), printed, in one run on one machine:
#   - server capacity with wrk (16 connections per target, WRK_SECONDS each) on log-metric,
#     log-batch (1000 points) and runs/get for: one server on SQLite, one on PostgreSQL, and two
#     on the same PostgreSQL schema (one wrk per server at the same time, requests summed);
#   - `tracker db copy` of a SQLite database with POINTS metric points and PAIRS prediction
#     pairs (prediction + outcome) into PostgreSQL, back from PostgreSQL into a SQLite file, and
#     SQLite to SQLite, in rows/s (wall clock of the whole command, verification included, and
#     the copy alone as the command reports it); with REF=BINARY, that binary's SQLite ->
#     PostgreSQL copy of the same file in the same run, and the ratio.
# PostgreSQL is a throwaway cluster from scripts/pg.sh (fsync off, as in the tests).
# Usage: [TRACKER_BIN=path] [REF=path] [COPY_ONLY=1] [WRK_SECONDS=5] [POINTS=1000000] [PAIRS=1000000] scripts/bench/pg.sh
#   COPY_ONLY=1 skips the wrk part; COPY=0 skips the db copy part; PG_SERVE_ARGS adds options to
#   the PostgreSQL servers' `tracker serve` (e.g. PG_SERVE_ARGS="--pg-connections 8").
set -euo pipefail
cd "$(dirname "$0")/../.."
out=scripts/bench/out/pg; rm -rf "$out"; mkdir -p "$out"
if [ -z "${TRACKER_BIN:-}" ]; then
  swift build -c release --product tracker >/dev/null
  TRACKER_BIN="$(swift build -c release --show-bin-path)/tracker"
fi
T=$TRACKER_BIN
PY=python3
[ -n "${COPY_ONLY:-}" ] || command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_healthy() { for _ in $(seq 1000); do curl -sf "$1/health" >/dev/null && return; sleep 0.01; done; echo "never healthy: $1" >&2; exit 1; }

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/tracker-pgbench.XXXXXX"); chmod 755 "$pg_dir"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; scripts/pg.sh stop "$pg_dir/c"; rm -rf "$pg_dir"; }
trap cleanup EXIT
URL=$(scripts/pg.sh start "$pg_dir/c")
PG="$URL?search_path=bench"
# Created here too, so the script also measures binaries from before tracker created a missing schema.
psql=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/psql
"$psql" -q "$URL" -c "CREATE SCHEMA IF NOT EXISTS bench; CREATE SCHEMA IF NOT EXISTS copy; CREATE SCHEMA IF NOT EXISTS copy_ref"

if [ -z "${COPY_ONLY:-}" ]; then
serve() { # DB PORT [OPTION...]: a server in the background
  "$T" serve --db "$1" --artifacts "$out/artifacts" --port "$2" --log-level warning "${@:3}" >"$out/serve-$2.log" 2>&1 &
  PIDS+=($!)
  wait_healthy "http://127.0.0.1:$2"
}
PS=$(free_port); serve "$out/tracker.db" "$PS"
P1=$(free_port); serve "$PG" "$P1" ${PG_SERVE_ARGS:-}
P2=$(free_port); serve "$PG" "$P2" ${PG_SERVE_ARGS:-}
new_run() { curl -s -XPOST "http://127.0.0.1:$1/api/2.0/mlflow/runs/create" -d '{"experiment_id":"0"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["run"]["info"]["run_id"])'; }
RS=$(new_run "$PS"); RP=$(new_run "$P1") # the PostgreSQL run is shared by both PostgreSQL servers

lua() { # NAME RUN: wrk scripts for one run
  cat >"$out/metric-$1.lua" <<LUA
wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function() counter = counter + 1; return wrk.format(nil, nil, nil, '{"run_id":"$2","key":"k","value":0.5,"timestamp":' .. counter .. ',"step":' .. counter .. '}') end
LUA
  $PY -c "import json; print(json.dumps({'run_id':'$2','metrics':[{'key':'b','value':i*0.1,'timestamp':1,'step':i} for i in range(1000)]}))" >"$out/batch-$1.json"
  cat >"$out/batch-$1.lua" <<LUA
wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"
local f = io.open("$out/batch-$1.json"); wrk.body = f:read("*a"); f:close()
LUA
}
lua s "$RS"; lua p "$RP"

drain() { # PORT RUN: wait (up to 60 s) until the previous load's queued requests are done, so one
  # endpoint's figure does not pay for the last one's backlog (a 1000-point batch is slow on PostgreSQL)
  local t
  for _ in $(seq 120); do
    t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$1/api/2.0/mlflow/runs/get?run_id=$2")
    $PY -c "import sys; sys.exit(0 if $t < 0.2 else 1)" && return
    sleep 0.5
  done
}

wrk_rps() { # PORT ENDPOINT LUANAME RUN: requests/s (non-2xx answers counted as a failure)
  local script="" path res
  case $2 in
    log-metric) script="-s $out/metric-$3.lua"; path=/api/2.0/mlflow/runs/log-metric ;;
    log-batch) script="-s $out/batch-$3.lua"; path=/api/2.0/mlflow/runs/log-batch ;;
    runs-get) path="/api/2.0/mlflow/runs/get?run_id=$4" ;;
  esac
  drain "$1" "$4"
  res=$(wrk -t2 -c16 -d"${WRK_SECONDS:-5}"s $script "http://127.0.0.1:$1$path" 2>&1)
  if echo "$res" | grep -q "Non-2xx"; then echo "wrk $2 on port $1: $(echo "$res" | grep Non-2xx)" >&2; fi
  echo "$res" | awk '/Requests\/sec/ {print $2}'
}

echo "server capacity, wrk 16 connections per server, ${WRK_SECONDS:-5}s per target (requests/s)"
printf '%-11s %12s %14s %20s %12s %12s\n' endpoint "1x SQLite" "1x PostgreSQL" "2x PostgreSQL (sum)" "2xPG/1xPG" "1xPG/SQLite"
for ep in log-metric log-batch runs-get; do
  s=$(wrk_rps "$PS" $ep s "$RS")
  p1=$(wrk_rps "$P1" $ep p "$RP")
  wrk_rps "$P1" $ep p "$RP" >"$out/a.rps" & wa=$!
  wrk_rps "$P2" $ep p "$RP" >"$out/b.rps" & wb=$!
  wait $wa $wb
  p2=$($PY -c "print(round($(cat "$out/a.rps") + $(cat "$out/b.rps"), 1))")
  $PY -c "
r = lambda a, b: '%.2fx' % (a / b) if b else '-'
print('%-11s %12.0f %14.0f %20.0f %12s %12s' % ('$ep', ${s:-0}, ${p1:-0}, ${p2:-0}, r(${p2:-0}, ${p1:-0}), r(${p1:-0}, ${s:-0})))"
done
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
PIDS=()
fi
[ "${COPY:-1}" = 0 ] && exit 0

echo
echo "db copy (${POINTS:-1000000} metric points, ${PAIRS:-1000000} prediction pairs)"
src="$out/copy.db"
run=$("$T" run start --experiment copy --db "$src" 2>/dev/null)
$PY scripts/bench/gen_events.py points "${POINTS:-1000000}" | "$T" ingest - --run "$run" --db "$src" >/dev/null
"$T" model register m0 --db "$src" >/dev/null
$PY scripts/bench/gen_live.py pairs "${PAIRS:-1000000}" | "$T" live ingest - --db "$src" >/dev/null

copy() { # NAME BINARY FROM TO: one `db copy`; prints rows/s of the whole command and of the copy alone
  local f t0 t1 rows
  f="$out/copy-$(echo "$1" | tr -c 'A-Za-z0-9\n' '_')"
  t0=$($PY -c 'import time; print(time.time())')
  "$2" db copy --from "$3" --to "$4" >"$f.out" 2>"$f.log" || { cat "$f.log" >&2; exit 1; }
  t1=$($PY -c 'import time; print(time.time())')
  rows=$(sed -n 's/^copied \([0-9]*\) rows.*/\1/p' "$f.out")
  echo "$t0 $t1" >"$f.time"
  $PY -c "
import re
s = $t1 - $t0; text = open('$f.out').read()
alone = re.search(r'([0-9.]+) s, ([0-9]+) rows/s', text)
extra = '; the copy alone %s s, %s rows/s' % (alone.group(1), format(int(alone.group(2)), ',')) if alone else ''
print('%-26s %d rows in %.1f s: %s rows/s (whole command)%s' % ('$1', $rows, s, format(round($rows / s), ','), extra))"
}
secs() { $PY -c "a = open('$out/copy-$1.time').read().split(); print(float(a[1]) - float(a[0]))"; }
copy "SQLite -> PostgreSQL" "$T" "$src" "$URL?search_path=copy"
if [ -n "${REF:-}" ]; then
  copy "SQLite -> PostgreSQL REF" "$REF" "$src" "$URL?search_path=copy_ref"
  $PY -c "print('REF time / this build time (whole command): %.2fx' % ($(secs SQLite____PostgreSQL_REF) / $(secs SQLite____PostgreSQL)))"
fi
copy "PostgreSQL -> SQLite" "$T" "$URL?search_path=copy" "$out/back.db"
copy "SQLite -> SQLite" "$T" "$src" "$out/copy2.db"
