#!/usr/bin/env bash
# Paired ingest: a reference tracker binary (REF, e.g. a release build of the commit before
# rollups in another worktree) vs this checkout, the same pairs (live.sh writes them), interleaved.
# Usage: REF=/path/to/tracker scripts/bench/live_pair.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
REF=${REF:?set REF to the reference tracker binary}
NEW="$(swift build -c release --show-bin-path)/tracker"
F=scripts/bench/out/small.jsonl
ms() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print("%.0f" % ((time.perf_counter()-t)*1000)); sys.exit(r.returncode)' "$@"; }
for round in 1 2 3; do
  for which in ref new; do
    T=$REF; [ $which = new ] && T=$NEW
    db=scripts/bench/out/pair-$which.db; rm -f $db $db-wal $db-shm
    $T init --db $db >/dev/null; $T model register m0 --db $db >/dev/null; $T promote m0 1 --to production --db $db >/dev/null
    sqlite3 $db "UPDATE deployments SET started_at = 0"
    t=$(ms $T live ingest $F --db $db)
    echo "$round $which $t ms $(python3 -c "print(round(2e6/($t/1000)))") events/s load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
