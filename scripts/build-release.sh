#!/usr/bin/env bash
# Builds the release binary the way to install it: optimized, Swift runtime linked statically
# (needs only glibc and libsqlite3 at run time), symbols stripped. Prints progress while it
# builds (the first build compiles the dependencies: 10 minutes or more on 2 cores) and ends
# with one line: where the binary is and its size.
# Usage: scripts/build-release.sh [DEST]   (default: .build/tracker; $SCRATCH: another build folder)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-.build/tracker}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
scratch=(); [ -z "${SCRATCH:-}" ] || scratch=(--scratch-path "$SCRATCH")
swift build "${scratch[@]}" -c release --static-swift-stdlib --product tracker -Xlinker -s >"$log" 2>&1 &
pid=$!
started=$(date +%s)
shown=""
# One line every 30 s: compiled steps so far (the total grows while SwiftPM plans, and the last
# modules compile as whole-module optimization steps that take minutes each, so no percentage).
while kill -0 "$pid" 2>/dev/null; do
  sleep 5
  elapsed=$(( $(date +%s) - started ))
  [ $((elapsed % 30)) -lt 5 ] || continue
  step=$(grep -oE '^\[[0-9]+/[0-9]+\] [A-Za-z]+ [^ ]+' "$log" | tail -1 || true)
  line="  building, $((elapsed / 60))m$(printf '%02d' $((elapsed % 60)))s: ${step:-resolving dependencies}"
  [ "$line" = "$shown" ] || { echo "$line"; shown=$line; }
done
if ! wait "$pid"; then
  grep -E 'error:' "$log" | head -20 >&2 || tail -20 "$log" >&2
  echo "the release build failed (errors above); try: swift build -c release" >&2
  exit 1
fi
bin="$(swift build "${scratch[@]}" -c release --static-swift-stdlib --show-bin-path)/tracker"
mkdir -p "$(dirname "$DEST")"
cp "$bin" "$DEST"
strip "$DEST" 2>/dev/null || true
echo "built $DEST ($(du -m "$DEST" | cut -f1) MB, stripped, in $(( ($(date +%s) - started) / 60 )) min; needs libsqlite3 at run time)"
