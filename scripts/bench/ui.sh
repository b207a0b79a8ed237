#!/usr/bin/env bash
# Web UI benchmarks (issue: web UI). Server time per request, read from `tracker serve`'s own
# request log (method path status ms), and bytes transferred, on a release build:
#   1. runs table over an experiment of RUNS runs x 10 params x 10 metrics, filtered and sorted
#   2. the run page of a run with a 100k-step metric (same database)
#   3. the home page with 20 models in production (a year of hourly windows, 5 metrics each)
# Usage: [BASELINE=path/to/other/tracker] scripts/bench/ui.sh [RUNS] [REQUESTS]
# With BASELINE, every figure is also measured with that binary on the same database, right
# after this build's (before/after in the same run, on the same load).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-100000}
N=${2:-50}
out=scripts/bench/out; mkdir -p "$out"
swift build -c release --static-swift-stdlib --product tracker >/dev/null
T="$(swift build -c release --show-bin-path)/tracker"
fresh() { rm -rf "$1" "$1"-wal "$1"-shm "${1%.db}-artifacts"; "$T" init --db "$1" >/dev/null; }

BINS=("$T")
if [ -n "${BASELINE:-}" ]; then BINS+=("$BASELINE"); fi

# serve DB [BIN]: starts a server with an info-level request log; sets URL and PID.
serve() {
  "${2:-$T}" serve --db "$1" --port 0 --log-level info > "$out/ui-serve.out" 2> "$out/ui-serve.log" &
  PID=$!
  for _ in $(seq 100); do grep -q "listening on" "$out/ui-serve.out" 2>/dev/null && break; sleep 0.1; done
  URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$out/ui-serve.out")
  URL=${URL%/}
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }

# measure LABEL PATH: N requests (after 3 warm-ups); p50/p99 of the server's own times, bytes.
measure() {
  for _ in 1 2 3; do curl -sf -o /dev/null "$URL$2"; done
  mark=$(wc -l < "$out/ui-serve.log")
  bytes=0
  for _ in $(seq "$N"); do bytes=$(curl -sf -o /dev/null -w '%{size_download}' "$URL$2"); done
  sleep 0.2
  path=${2%%\?*}
  tail -n +"$((mark + 1))" "$out/ui-serve.log" | grep -aF "GET $path " | sed -n 's/.* \([0-9.]*\)ms$/\1/p' | sort -n |
    awk -v label="$1" -v b="$bytes" '{a[NR]=$1} END { if (NR == 0) { print "  " label ": no timings logged"; exit 1 }
      p50=a[int((NR+1)/2)]; i99=int(NR*0.99+0.999); if (i99 < 1) i99 = 1; if (i99 > NR) i99 = NR;
      printf "  %s: p50 %.1f ms, p99 %.1f ms, %d requests, %.1f KB\n", label, p50, a[i99], NR, b/1024 }'
}

echo "== 1. runs table over $RUNS runs x 10 params x 10 metrics, and the run page of a run with a 100k-step metric"
db="$out/ui-runs.db"; fresh "$db"
python3 scripts/bench/gen_events.py runs "$RUNS" | "$T" ingest - --db "$db" >/dev/null
run=$("$T" run start --db "$db" --experiment bench --name long-metric)
python3 scripts/bench/gen_events.py history 100000 | "$T" ingest - --run "$run" --db "$db" >/dev/null 2>&1
"$T" run end "$run" --db "$db" >/dev/null 2>&1 || true
exp=$("$T" experiment list --db "$db" --json | python3 -c 'import json,sys; print([e["experiment_id"] for e in json.load(sys.stdin) if e["name"]=="bench"][0])')
q() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
runs_pages() {
  measure "runs table, newest first" "/experiments/$exp"
  measure "runs table, filter metrics.acc > 0.5, sort by metrics.loss" "/experiments/$exp?filter=$(q 'metrics.acc > 0.5')&order=$(q 'metrics.loss DESC')"
  measure "runs table, filter params.p3 = '5', sort by params.p1, page 3" "/experiments/$exp?filter=$(q "params.p3 = '5'")&order=$(q 'params.p1 ASC')&offset=100"
  measure "run page (100k-step metric)" "/runs/$run"
}
for B in "${BINS[@]}"; do
  echo "  -- $B"; serve "$db" "$B"; runs_pages; stop
done

echo "== 2. home page with 20 models in production"
db="$out/ui-home.db"; fresh "$db"
for m in $(seq 0 19); do "$T" model register "m$m" --db "$db" >/dev/null; done
for m in $(seq 0 19); do "$T" promote "m$m" 1 --to production --db "$db" >/dev/null; done
sqlite3 "$db" "UPDATE deployments SET started_at = 0"
python3 scripts/bench/gen_live.py windows | "$T" live ingest - --db "$db" >/dev/null
for B in "${BINS[@]}"; do
  echo "  -- $B"; serve "$db" "$B"
  measure "home (20 models live, 5 metrics each)" "/"
  measure "live gap (one model, 7 days)" "/gap?model=m7&env=production"
  stop
done
