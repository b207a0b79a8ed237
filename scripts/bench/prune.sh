#!/usr/bin/env bash
# live prune in batches vs in one transaction, and what a concurrent writer waits meanwhile.
# Usage: scripts/bench/prune.sh [PAIRS] [BATCH...]   (default 1,000,000 pairs; batch sizes 50000 10000)
#   PAIRS prediction+outcome pairs of one model over a year (gen_live.py); each run prunes a
#   fresh copy of all but the data's last week:
#   - --batch-size larger than the data: one chunk, one transaction (what prune did before)
#   - each BATCH as --batch-size (the default is 50,000)
#   During each, another process takes SQLite's write lock in a loop (BEGIN IMMEDIATE; ROLLBACK,
#   50 ms apart, 60 s busy timeout), and a `tracker live ingest` of one window runs in a loop:
#   the longest waits are the longest time any writer was kept out.
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${1:-1000000}
shift || true
BATCHES=("${@:-50000 10000}"); BATCHES=(${BATCHES[*]})
out=scripts/bench/out; mkdir -p "$out"
swift build -c release --static-swift-stdlib --product tracker >/dev/null
T="$(swift build -c release --show-bin-path)/tracker"
base="$out/prune-base.db"
rm -f "$base" "$base"-wal "$base"-shm
"$T" init --db "$base" >/dev/null
"$T" model register m0 --db "$base" >/dev/null
"$T" promote m0 1 --to production --db "$base" >/dev/null
sqlite3 "$base" "UPDATE deployments SET started_at = 0"
python3 scripts/bench/gen_live.py pairs "$PAIRS" > "$out/prune-pairs.jsonl"
"$T" live ingest "$out/prune-pairs.jsonl" --db "$base" 2>/dev/null
sqlite3 "$base" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
window="$out/prune-window.jsonl"
echo '{"type":"window","model":"m0","env":"production","metric":"latency_ms","value":80,"count":1000,"std":12.5,"start":"2026-11-30T00:00:00Z","end":"2026-11-30T01:00:00Z"}' > "$window"
run() {  # LABEL ARGS...: prune a fresh copy while two writers loop
  local label=$1; shift
  local db="$out/prune-run.db"
  rm -f "$db" "$db"-wal "$db"-shm; cp "$base" "$db"
  python3 - "$db" > "$out/prune-lock.txt" <<'PY' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
waits = []
while not os.path.exists(sys.argv[1] + ".done"):
    t = time.perf_counter(); c.execute("BEGIN IMMEDIATE"); waits.append(time.perf_counter() - t); c.execute("ROLLBACK")
    time.sleep(0.05)
waits.sort()
print("%d %.0f %.0f" % (len(waits), 1000 * waits[len(waits) // 2], 1000 * waits[-1]))
PY
  local lock=$!
  ( while [ ! -e "$db.done" ]; do
      s=$(date +%s%N); "$T" live ingest "$window" --db "$db" 2>/dev/null >/dev/null || echo "failed" >&2; e=$(date +%s%N)
      echo $(( (e - s) / 1000000 )); sleep 0.05
    done ) > "$out/prune-ingest.txt" &
  local ingest=$!
  sleep 0.5
  local s e; s=$(date +%s%N)
  "$T" live prune --before 2026-11-24T00:00:00Z --db "$db" "$@" >/dev/null 2>&1
  e=$(date +%s%N)
  sleep 0.3; touch "$db.done"; wait $lock $ingest; rm -f "$db.done"
  read -r n p50 max < "$out/prune-lock.txt"
  local imax; imax=$(sort -n "$out/prune-ingest.txt" | tail -1)
  local imed; imed=$(sort -n "$out/prune-ingest.txt" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "  $label: prune $(( (e - s) / 1000000 )) ms; write lock waits: max $max ms, median $p50 ms ($n tries); 'live ingest' of one window: max $imax ms, median $imed ms ($(wc -l < "$out/prune-ingest.txt") runs)"
}
echo "== live prune of all but the last week of $PAIRS pairs"
run "one transaction (--batch-size $((PAIRS * 2)))" --batch-size $((PAIRS * 2))
for b in "${BATCHES[@]}"; do run "batches (--batch-size $b)" --batch-size "$b"; done
