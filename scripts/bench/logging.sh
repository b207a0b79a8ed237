#!/usr/bin/env bash
# Logging benchmarks (issue: logging). Prints figures; compares ingest with raw C inserts of
# the same rows measured in the same run.
#   1. tracker ingest of a 1,000,000-point JSONL file vs the C insert program
#   2. run list --filter 'metrics.acc > 0.5' --order-by metrics.loss over 100,000 runs x 10 params x 10 metrics
#   3. metric history of a 100k-step metric
#   4. one `tracker log metric` call, start to exit
# Usage: [BASELINE=path/to/other/tracker] scripts/bench/logging.sh [POINTS] [RUNS]
# With BASELINE, run list (2) is also timed with that binary on the same database.
set -euo pipefail
cd "$(dirname "$0")/../.."
POINTS=${1:-1000000}
RUNS=${2:-100000}
out=scripts/bench/out; mkdir -p "$out"
swift build -c release --static-swift-stdlib --product tracker >/dev/null
T="$(swift build -c release --show-bin-path)/tracker"
gcc -O2 -o "$out/insert_c" scripts/bench/insert_c.c -lsqlite3
ms() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); print("%.1f" % ((time.perf_counter()-t)*1000)); sys.exit(r.returncode)' "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fresh() { rm -rf "$1" "$1"-wal "$1"-shm "${1%.db}-artifacts"; "$T" init --db "$1" >/dev/null; }

echo "== 1. ingest $POINTS metric points"
python3 scripts/bench/gen_events.py points "$POINTS" > "$out/points.jsonl"
db="$out/ingest.db"; fresh "$db"; c_rate=$("$out/insert_c" "$db" "$POINTS")
rates=()
for r in 1 2 3; do
  fresh "$db"; run=$("$T" run start --db "$db")
  t=$(ms "$T" ingest "$out/points.jsonl" --run "$run" --db "$db")
  rates+=("$(awk -v n="$POINTS" -v t="$t" 'BEGIN {printf "%.0f", n / (t / 1000)}')")
done
rate=$(printf '%s\n' "${rates[@]}" | median)
echo "  tracker ingest:  $rate points/s  [${rates[*]}]"
echo "  C insert:        $c_rate points/s (same rows, one transaction)"
awk -v a="$rate" -v b="$c_rate" 'BEGIN {printf "  ratio:           %.2f (goal >= 0.50)\n", a / b}'

echo "== 2. run list over $RUNS runs x 10 params x 10 metrics"
db="$out/runs.db"; fresh "$db"
python3 scripts/bench/gen_events.py runs "$RUNS" > "$out/runs.jsonl"
t=$(ms "$T" ingest "$out/runs.jsonl" --db "$db"); echo "  (loading took ${t} ms)"
for B in "$T" ${BASELINE:+"$BASELINE"}; do
  times=(); for r in 1 2 3 4 5; do times+=("$(ms "$B" run list --db "$db" --filter 'metrics.acc > 0.5' --order-by 'metrics.loss' --limit 100)"); done
  echo "  run list --filter 'metrics.acc > 0.5' --order-by metrics.loss --limit 100: $(printf '%s\n' "${times[@]}" | median) ms  [${times[*]}] (goal < 200 ms) [$B]"
done

echo "== 3. metric history of a 100k-step metric"
db="$out/hist.db"; fresh "$db"; run=$("$T" run start --db "$db")
python3 scripts/bench/gen_events.py history 100000 | "$T" ingest - --run "$run" --db "$db" 2>/dev/null
times=(); for r in 1 2 3 4 5; do times+=("$(ms "$T" metric history "$run" loss --db "$db")"); done
echo "  metric history (100k steps, text): $(printf '%s\n' "${times[@]}" | median) ms  [${times[*]}] (goal < 100 ms)"

echo "== 4. one tracker log metric call"
times=(); for r in $(seq 1 20); do times+=("$(ms "$T" log metric "$run" single 1.5 --db "$db")"); done
echo "  log metric, start to exit: $(printf '%s\n' "${times[@]}" | median) ms median of 20 (goal < 20 ms)"
