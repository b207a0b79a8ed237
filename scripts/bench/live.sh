#!/usr/bin/env bash
# Live benchmarks (issue: live outcomes/gap). Usage: scripts/bench/live.sh [PAIRS]
#   1. ingest PAIRS prediction+outcome pairs (default 10,000,000): events/s and DB bytes per pair
#   2. tracker gap over those pairs (one year window)
#   3. tracker gap over one year of hourly windows for 20 models x 5 metrics
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${1:-10000000}
out=scripts/bench/out; mkdir -p "$out"
swift build -c release --static-swift-stdlib --product tracker >/dev/null
T="$(swift build -c release --show-bin-path)/tracker"
ms() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print("%.0f" % ((time.perf_counter()-t)*1000)); sys.exit(r.returncode)' "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
setup() {
  rm -f "$1" "$1"-wal "$1"-shm; "$T" init --db "$1" >/dev/null
  for m in $(seq 0 19); do "$T" model register "m$m" --db "$1" >/dev/null; done
  # v1 live from before the data starts.
  for m in $(seq 0 19); do "$T" promote "m$m" 1 --to production --db "$1" >/dev/null; done
  sqlite3 "$1" "UPDATE deployments SET started_at = 0"  # backdate: the data is historical
}
echo "== 1. ingest $PAIRS prediction+outcome pairs"
db="$out/live-pairs.db"; setup "$db"
python3 scripts/bench/gen_live.py pairs "$PAIRS" > "$out/pairs.jsonl"
t=$(ms "$T" live ingest "$out/pairs.jsonl" --db "$db")
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
bytes=$(stat -c %s "$db")
awk -v n="$PAIRS" -v t="$t" -v b="$bytes" 'BEGIN { printf "  %.0f events/s (%d lines in %.1f s); database %.1f MB = %.0f bytes per pair\n", 2*n/(t/1000), 2*n, t/1000, b/1e6, b/n }'
echo "== 2. gap over the $PAIRS pairs"
times=(); for r in 1 2 3; do times+=("$(ms "$T" gap m0 --env production --since 2025-12-01T00:00:00Z --until 2026-12-01T00:00:00Z --db "$db")"); done
echo "  tracker gap: $(printf '%s\n' "${times[@]}" | median) ms [${times[*]}] (goal < 1000 ms)"
echo "== 3. gap over one year of hourly windows, 20 models x 5 metrics"
db="$out/live-windows.db"; setup "$db"
python3 scripts/bench/gen_live.py windows > "$out/windows.jsonl"
t=$(ms "$T" live ingest "$out/windows.jsonl" --db "$db"); echo "  (ingesting $(wc -l < "$out/windows.jsonl") windows took $t ms)"
times=(); for r in 1 2 3; do times+=("$(ms "$T" gap m7 --env production --since 2025-12-01T00:00:00Z --until 2026-12-01T00:00:00Z --db "$db")"); done
echo "  tracker gap (one model, 5 metrics x 8760 windows): $(printf '%s\n' "${times[@]}" | median) ms [${times[*]}] (goal < 1000 ms)"
