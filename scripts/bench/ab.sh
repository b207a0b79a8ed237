#!/usr/bin/env bash
# The SQLite path before/after a change, in the same run on the same data (issue #18: the
# PostgreSQL seam must cost SQLite nothing). Interleaves this build and BASELINE, ROUNDS each:
#   1. tracker ingest of POINTS metric points (points/s)
#   2. run list --filter 'metrics.acc > 0.5' --order-by metrics.loss over RUNS runs (ms)
#   3. metric history of a 100k-step metric (ms)
# Usage: BASELINE=path/to/other/tracker scripts/bench/ab.sh [POINTS] [RUNS] [ROUNDS]
# (Build the baseline first, e.g. a release build of main copied aside.)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${BASELINE:?set BASELINE to the other tracker binary}"
POINTS=${1:-1000000}
RUNS=${2:-20000}
ROUNDS=${3:-5}
out=scripts/bench/out; mkdir -p "$out"
swift build -c release --static-swift-stdlib --product tracker >/dev/null
T="$(swift build -c release --show-bin-path)/tracker"
ms() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); print("%.1f" % ((time.perf_counter()-t)*1000)); sys.exit(r.returncode)' "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fresh() { rm -rf "$1" "$1"-wal "$1"-shm "${1%.db}-artifacts"; "$BASELINE" init --db "$1" >/dev/null; }
report() { # NAME UNIT after-values... -- before-values...
  local name=$1 unit=$2; shift 2
  local a=() b=(); while [ "$1" != -- ]; do a+=("$1"); shift; done; shift; b=("$@")
  local ma mb; ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
  awk -v n="$name" -v u="$unit" -v a="$ma" -v b="$mb" 'BEGIN {printf "  %-34s after %10s %s  before %10s %s  after/before %.3f\n", n, a, u, b, u, a / b}'
}

python3 scripts/bench/gen_events.py points "$POINTS" > "$out/points.jsonl"
python3 scripts/bench/gen_events.py runs "$RUNS" > "$out/runs.jsonl"
db="$out/ab-ingest.db"; after=(); before=()
for r in $(seq "$ROUNDS"); do
  for B in "$T" "$BASELINE"; do
    fresh "$db"; run=$("$B" run start --db "$db")
    t=$(ms "$B" ingest "$out/points.jsonl" --run "$run" --db "$db")
    rate=$(awk -v n="$POINTS" -v t="$t" 'BEGIN {printf "%.0f", n / (t / 1000)}')
    if [ "$B" = "$T" ]; then after+=("$rate"); else before+=("$rate"); fi
  done
done
echo "== ingest of $POINTS points"; report "tracker ingest" "pts/s" "${after[@]}" -- "${before[@]}"

db="$out/ab-runs.db"; fresh "$db"; "$BASELINE" ingest "$out/runs.jsonl" --db "$db" >/dev/null 2>&1
hist="$out/ab-hist.db"; fresh "$hist"; hrun=$("$BASELINE" run start --db "$hist")
python3 scripts/bench/gen_events.py history 100000 | "$BASELINE" ingest - --run "$hrun" --db "$hist" >/dev/null 2>&1
la=(); lb=(); ha=(); hb=()
for r in $(seq "$ROUNDS"); do
  la+=("$(ms "$T" run list --db "$db" --filter 'metrics.acc > 0.5' --order-by 'metrics.loss' --limit 100)")
  lb+=("$(ms "$BASELINE" run list --db "$db" --filter 'metrics.acc > 0.5' --order-by 'metrics.loss' --limit 100)")
  ha+=("$(ms "$T" metric history "$hrun" loss --db "$hist")")
  hb+=("$(ms "$BASELINE" metric history "$hrun" loss --db "$hist")")
done
echo "== reads"
report "run list over $RUNS runs" ms "${la[@]}" -- "${lb[@]}"
report "metric history, 100k steps" ms "${ha[@]}" -- "${hb[@]}"
