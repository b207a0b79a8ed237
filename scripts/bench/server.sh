#!/usr/bin/env bash
# Server benchmarks (issue: tracker serve). In one run, the same mlflow-client workload against
#   - a do-nothing server (the client's own floor),
#   - tracker serve,
#   - mlflow server (SQLite backend, --workers 1),
# then a wrk load (16 connections) on log-metric, log-batch and runs/get for both servers,
# start-to-healthy times and server RSS. Usage: [BASELINE=path/to/other/tracker] scripts/bench/server.sh
# (BENCH_SCALE=0.2 for a quick pass). With BASELINE, the wrk load also runs on that binary's
# server, after this build's (before/after in the same run, on the same load).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=scripts/bench/out; mkdir -p "$out"; rm -rf "$out/srv"; mkdir -p "$out/srv"
swift build -c release --static-swift-stdlib --product tracker >/dev/null
T="$(swift build -c release --show-bin-path)/tracker"
PY=.venv/bin/python
scripts/python-env.sh >/dev/null
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_healthy() { local t0=$1 url=$2; for _ in $(seq 600); do curl -sf "$url/health" >/dev/null && { $PY -c "import time; print('%.3f' % (time.time()-$t0))"; return; }; sleep 0.01; done; echo "never"; }
rss_tree() { local total=0; for p in $1 $(pgrep -P "$1" 2>/dev/null) $(for c in $(pgrep -P "$1" 2>/dev/null); do pgrep -P "$c"; done); do r=$(awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || echo 0); total=$((total + ${r:-0})); done; echo $((total / 1024)); }

P0=$(free_port); $PY scripts/bench/null_server.py "$P0" & NULLPID=$!
P1=$(free_port); t0=$($PY -c 'import time; print(time.time())'); "$T" serve --db "$out/srv/tracker.db" --port "$P1" --log-level warning > /dev/null 2>&1 & TPID=$!
t_tracker=$(wait_healthy "$t0" "http://127.0.0.1:$P1")
P2=$(free_port); t0=$($PY -c 'import time; print(time.time())')
.venv/bin/mlflow server --backend-store-uri "sqlite:///$PWD/$out/srv/mlflow.db" --artifacts-destination "$PWD/$out/srv/mlruns" --host 127.0.0.1 --port "$P2" --workers 1 > "$out/srv/mlflow.log" 2>&1 & MPID=$!
t_mlflow=$(wait_healthy "$t0" "http://127.0.0.1:$P2")
BPID=""
if [ -n "${BASELINE:-}" ]; then
  P3=$(free_port); "$BASELINE" serve --db "$out/srv/baseline.db" --port "$P3" --log-level warning > /dev/null 2>&1 & BPID=$!
  wait_healthy "$($PY -c 'import time; print(time.time())')" "http://127.0.0.1:$P3" > /dev/null
fi
trap 'kill $NULLPID $TPID $MPID $BPID 2>/dev/null; pkill -P $MPID 2>/dev/null || true' EXIT
echo "start to healthy: tracker ${t_tracker}s, mlflow ${t_mlflow}s"

floor=$($PY scripts/bench/mlflow_client_bench.py "http://127.0.0.1:$P0" | tail -1)
trk=$($PY scripts/bench/mlflow_client_bench.py "http://127.0.0.1:$P1" --full | tail -1)
mlf=$($PY scripts/bench/mlflow_client_bench.py "http://127.0.0.1:$P2" --full | tail -1)
rss_t=$(rss_tree $TPID); rss_m=$(rss_tree $MPID)
$PY - "$floor" "$trk" "$mlf" "$rss_t" "$rss_m" <<'PYEOF'
import json, sys
f, t, m = (json.loads(x) for x in sys.argv[1:4])
rt, rm = int(sys.argv[4]), int(sys.argv[5])
print(f"{'mlflow client workload':34} {'floor':>10} {'tracker':>10} {'mlflow':>10} {'tracker/floor':>14} {'tracker/mlflow':>15}")
for k, unit, higher in [("log_metric_calls_per_s", "calls/s", True), ("log_batch_points_per_s", "points/s", True), ("runs_per_s", "runs/s", True), ("history_100k_s", "s", False), ("search_1000_runs_ms", "ms", False)]:
    fv = f.get(k); tv = t.get(k); mv = m.get(k)
    ratio_f = f"{tv / fv:.2f}" if fv and tv else "-"
    ratio_m = (f"{tv / mv:.1f}x" if higher else f"{mv / tv:.1f}x faster") if tv and mv else "-"
    fs = f"{fv:.1f}" if fv else "-"
    print(f"{k + ' (' + unit + ')':34} {fs:>10} {tv:>10.1f} {mv:>10.1f} {ratio_f:>14} {ratio_m:>15}")
print(f"{'server RSS after the load (MB)':34} {'':>10} {rt:>10} {rm:>10} {'':>14} {rm / max(rt, 1):>13.0f}x less")
PYEOF

if command -v wrk >/dev/null; then
  RUN=$(curl -s -XPOST "http://127.0.0.1:$P1/api/2.0/mlflow/runs/create" -d '{"experiment_id":"0"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["run"]["info"]["run_id"])')
  RUNM=$(curl -s -XPOST "http://127.0.0.1:$P2/api/2.0/mlflow/runs/create" -H 'Content-Type: application/json' -d '{"experiment_id":"0"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["run"]["info"]["run_id"])')
  targets=("tracker $P1 $RUN")
  if [ -n "$BPID" ]; then
    RUNB=$(curl -s -XPOST "http://127.0.0.1:$P3/api/2.0/mlflow/runs/create" -d '{"experiment_id":"0"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["run"]["info"]["run_id"])')
    targets+=("baseline $P3 $RUNB")
  fi
  targets+=("mlflow $P2 $RUNM")
  for target in "${targets[@]}"; do
    set -- $target
    name=$1; port=$2; rid=$3
    cat > "$out/srv/metric.lua" <<LUA
wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function() counter = counter + 1; return wrk.format(nil, nil, nil, '{"run_id":"$rid","run_uuid":"$rid","key":"k","value":0.5,"timestamp":' .. counter .. ',"step":' .. counter .. '}') end
LUA
    $PY -c "
import json; print(json.dumps({'run_id':'$rid','metrics':[{'key':'b','value':i*0.1,'timestamp':1,'step':i} for i in range(1000)]}))" > "$out/srv/batch.json"
    cat > "$out/srv/batch.lua" <<LUA
wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"
local f = io.open("$out/srv/batch.json"); wrk.body = f:read("*a"); f:close()
LUA
    for ep in "log-metric metric.lua /api/2.0/mlflow/runs/log-metric" "log-batch batch.lua /api/2.0/mlflow/runs/log-batch" "runs-get - /api/2.0/mlflow/runs/get?run_id=$rid"; do
      set -- $ep
      script=""; [ "$2" != "-" ] && script="-s $out/srv/$2"
      res=$(wrk -t2 -c16 -d${WRK_SECONDS:-8}s --latency $script "http://127.0.0.1:$port$3" 2>&1)
      rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
      p99=$(echo "$res" | awk '$1=="99%" {print $2}')
      errs=$(echo "$res" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
      echo "wrk 16 conns  $name  $1: $rps req/s, p99 $p99 ${errs}"
    done
  done
else
  echo "wrk not installed (apt-get install wrk): skipping the load test"
fi
