#!/usr/bin/env bash
# Disk full and read-only: on a 2 MiB tmpfs (needs root and permission to mount; skipped
# otherwise), an ingest that runs out of space fails with a clear message and the database stays
# intact with every earlier batch; on a read-only remount, writes fail clearly and reads work.
# Usage: scripts/torture/diskfull.sh TRACKER_BIN
set -uo pipefail
T=${1:?usage: diskfull.sh TRACKER_BIN}
dir=$(mktemp -d)
if ! mount -t tmpfs -o size=2m tmpfs "$dir" 2>/dev/null; then
  echo "diskfull: cannot mount a tmpfs here (not root, or no permission): skipped"
  rmdir "$dir"; exit 0
fi
trap 'umount "$dir" 2>/dev/null; rmdir "$dir"' EXIT
fail=0
db="$dir/t.db"
"$T" init --db "$db" >/dev/null
run=$("$T" run start --db "$db")
python3 -c '
import json
for i in range(200000): print(json.dumps({"type":"metric","key":"m","value":i,"step":i}))' > /tmp/diskfull-events.jsonl
out=$("$T" ingest /tmp/diskfull-events.jsonl --run "$run" --batch-size 1000 --db "$db" 2>&1); rc=$?
echo "$out" | tail -2
if [ $rc -ne 1 ] || ! echo "$out" | grep -q "full"; then echo "diskfull: expected exit 1 and a 'disk is full' message (got $rc)"; fail=1; fi
stored=$(echo "$out" | sed -n 's/^stored \([0-9]*\) events.*/\1/p' | head -1)
integrity=$(sqlite3 "$db" "PRAGMA integrity_check")
count=$(sqlite3 "$db" "SELECT count(*) FROM metrics")
echo "diskfull: exit $rc; integrity_check: $integrity; $count points present, $stored acknowledged"
[ "$integrity" = ok ] || fail=1
[ "$count" = "$stored" ] || { echo "diskfull: present $count != acknowledged $stored"; fail=1; }
[ $((count % 1000)) = 0 ] || { echo "diskfull: a batch is partially present"; fail=1; }
# Free space again: tracker works on.
rm -f /tmp/diskfull-events.jsonl
"$T" log metric "$run" after 1 --db "$db" >/dev/null 2>&1 || echo "diskfull: (no space for one more point either — expected on a full disk)"

# Read-only: remount and try to write.
mount -o remount,ro "$dir"
out=$("$T" log metric "$run" ro 1 --db "$db" 2>&1); rc=$?
echo "read-only write: exit $rc: $out"
if [ $rc -ne 1 ] || ! echo "$out" | grep -qi "read-only\|cannot open\|readonly"; then echo "readonly: expected a clear read-only error"; fail=1; fi
out=$("$T" run show "$run" --db "$db" 2>&1); rc=$?
echo "read-only read: exit $rc"
mount -o remount,rw "$dir"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail=1
[ $fail = 0 ] && echo "diskfull: OK" || echo "diskfull: FAILED"
exit $fail
