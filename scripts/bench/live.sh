#!/usr/bin/env bash
# Live benchmarks (issue 17: rollups). Usage: scripts/bench/live.sh [PAIRS] [SMALL] [REPORT_PAIRS]
#   1. ingest PAIRS prediction+outcome pairs of one model (default 10,000,000) with rollups on:
#      events/s, DB bytes per pair
#   2. tracker gap over those pairs (one year): from rollups, and row by row (--source raw, the
#      computation before rollups) for reference; peak RSS of gap and report
#   3. the same gap and peak RSS over SMALL pairs (default 1,000,000): memory stays flat
#   4. tracker report --weekly over 20 models with REPORT_PAIRS pairs spread over them (default 2,000,000)
#   5. live prune of raw rows older than the data's last week (10M DB): time, bytes after VACUUM, gap after
#   6. tracker gap over one year of hourly windows for 20 models x 5 metrics
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${1:-10000000}
SMALL=${2:-1000000}
REPORT_PAIRS=${3:-2000000}
out=scripts/bench/out; mkdir -p "$out"
swift build -c release --static-swift-stdlib --product tracker >/dev/null
T="$(swift build -c release --show-bin-path)/tracker"
ms() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print("%.0f" % ((time.perf_counter()-t)*1000)); sys.exit(r.returncode)' "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }  # peak resident set, KB
setup() {
  rm -f "$1" "$1"-wal "$1"-shm; "$T" init --db "$1" >/dev/null
  for m in $(seq 0 19); do "$T" model register "m$m" --db "$1" >/dev/null; done
  # v1 live from before the data starts.
  for m in $(seq 0 19); do "$T" promote "m$m" 1 --to production --db "$1" >/dev/null; done
  sqlite3 "$1" "UPDATE deployments SET started_at = 0"  # backdate: the data is historical
}
year=(--since 2025-12-01T00:00:00Z --until 2026-12-01T00:00:00Z)
gap_figures() {  # DB LABEL: median of 3 gap runs (auto: rollups), one raw run, peak RSS of gap and report
  local times=(); for r in 1 2 3; do times+=("$(ms "$T" gap m0 --env production "${year[@]}" --db "$1")"); done
  echo "  tracker gap over $2 pairs: $(printf '%s\n' "${times[@]}" | median) ms [${times[*]}] (goal ≤ 300 ms at 10M)"
  "$T" gap m0 --env production "${year[@]}" --db "$1" --json | python3 -c 'import json,sys; v=json.load(sys.stdin)["versions"][0]; print("  source:", v["source"], "predictions:", v["predictions"], "notes:", v["notes"])'
  echo "  row by row (--source raw, as before rollups): $(ms "$T" gap m0 --env production "${year[@]}" --db "$1" --source raw) ms"
  echo "  peak RSS: gap $(rss "$T" gap m0 --env production "${year[@]}" --db "$1") KB, report --weekly $(rss "$T" report --week 2026-W47 --db "$1") KB"
}
echo "== 1. ingest $PAIRS prediction+outcome pairs (rollups on)"
db="$out/live-pairs.db"; setup "$db"
python3 scripts/bench/gen_live.py pairs "$PAIRS" > "$out/pairs.jsonl"
t=$(ms "$T" live ingest "$out/pairs.jsonl" --db "$db")
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
bytes=$(stat -c %s "$db")
awk -v n="$PAIRS" -v t="$t" -v b="$bytes" 'BEGIN { printf "  %.0f events/s (%d lines in %.1f s; goal ≥ 250k/s); database %.1f MB = %.0f bytes per pair (goal ≤ 140)\n", 2*n/(t/1000), 2*n, t/1000, b/1e6, b/n }'
"$T" db status --db "$db" | sed -n '/live tables/,$p'
echo "== 2. gap over the $PAIRS pairs"
gap_figures "$db" "$PAIRS"
echo "== 3. gap over $SMALL pairs (memory flat in the number of predictions)"
small="$out/live-small.db"; setup "$small"
python3 scripts/bench/gen_live.py pairs "$SMALL" > "$out/small.jsonl"
"$T" live ingest "$out/small.jsonl" --db "$small" 2>/dev/null
gap_figures "$small" "$SMALL"
echo "== 4. report --weekly over 20 models, $REPORT_PAIRS pairs spread over them"
models="$out/live-models.db"; setup "$models"
python3 scripts/bench/gen_live.py pairs "$REPORT_PAIRS" 20 > "$out/models.jsonl"
"$T" live ingest "$out/models.jsonl" --db "$models" 2>/dev/null
times=(); for r in 1 2 3; do times+=("$(ms "$T" report --week 2026-W47 --format json --db "$models")"); done
echo "  tracker report --week 2026-W47 (20 models): $(printf '%s\n' "${times[@]}" | median) ms [${times[*]}] (goal ≤ 1000 ms); peak RSS $(rss "$T" report --week 2026-W47 --db "$models") KB"
echo "== 5. prune raw rows older than the data's last week ($PAIRS pairs)"
before=$(stat -c %s "$db")
t=$(ms "$T" live prune --before 2026-11-24T00:00:00Z --db "$db"); echo "  live prune: $t ms"
sqlite3 "$db" "VACUUM" >/dev/null
after=$(stat -c %s "$db")
awk -v a="$after" -v b="$before" -v n="$PAIRS" 'BEGIN { printf "  database %.1f MB -> %.1f MB after VACUUM = %.1f%% of unpruned (goal ≤ 5%%); %.1f bytes per pair\n", b/1e6, a/1e6, 100*a/b, a/n }'
"$T" db status --db "$db" | sed -n '/live tables/,$p'
times=(); for r in 1 2 3; do times+=("$(ms "$T" gap m0 --env production "${year[@]}" --db "$db")"); done
echo "  tracker gap after pruning: $(printf '%s\n' "${times[@]}" | median) ms [${times[*]}]"
echo "== 6. gap over one year of hourly windows, 20 models x 5 metrics"
db="$out/live-windows.db"; setup "$db"
python3 scripts/bench/gen_live.py windows > "$out/windows.jsonl"
t=$(ms "$T" live ingest "$out/windows.jsonl" --db "$db"); echo "  (ingesting $(wc -l < "$out/windows.jsonl") windows took $t ms)"
times=(); for r in 1 2 3; do times+=("$(ms "$T" gap m7 --env production --since 2025-12-01T00:00:00Z --until 2026-12-01T00:00:00Z --db "$db")"); done
echo "  tracker gap (one model, 5 metrics x 8760 windows): $(printf '%s\n' "${times[@]}" | median) ms [${times[*]}] (goal < 1000 ms)"
