#!/usr/bin/env bash
# Foundation benchmark: 1,000,000 metric points into the real schema, through SQLiteKit (Swift)
# and through a tiny C program on the same libsqlite3, in the same run. Prints both and the ratio.
# Usage: scripts/bench/insert.sh [N] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
ROUNDS=${2:-3}
out=scripts/bench/out; mkdir -p "$out"
swift build -c release --product tracker >/dev/null
swift build -c release --product bench-insert >/dev/null
bin=$(swift build -c release --show-bin-path)
gcc -O2 -o "$out/insert_c" scripts/bench/insert_c.c -lsqlite3
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
c_rates=(); s_rates=()
for r in $(seq "$ROUNDS"); do
  for impl in c swift; do
    db="$out/insert-$impl.db"; rm -f "$db" "$db"-wal "$db"-shm
    "$bin/tracker" init --db "$db" >/dev/null
    if [ "$impl" = c ]; then c_rates+=("$("$out/insert_c" "$db" "$N")"); else s_rates+=("$("$bin/bench-insert" "$db" "$N")"); fi
  done
done
c=$(printf '%s\n' "${c_rates[@]}" | median); s=$(printf '%s\n' "${s_rates[@]}" | median)
echo "insert $N metric points, one transaction, real schema (median of $ROUNDS rounds)"
echo "  C (libsqlite3):     $c points/s   [${c_rates[*]}]"
echo "  Swift (SQLiteKit):  $s points/s   [${s_rates[*]}]"
awk -v s="$s" -v c="$c" 'BEGIN { printf "  ratio Swift/C:      %.2f (goal >= 0.80)\n", s / c }'
