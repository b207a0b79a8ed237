#!/usr/bin/env bash
# Builds the release binary the way to install it: optimized, Swift runtime linked statically
# (needs only glibc and libsqlite3 at run time), symbols stripped. Prints progress while it
# builds (the first build compiles the dependencies: several minutes on 2 cores) and ends with
# one line: where the binary is and its size.
# Usage: scripts/build-release.sh [DEST]   (default: .build/tracker; $SCRATCH: another build folder)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-.build/tracker}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
scratch=(); [ -z "${SCRATCH:-}" ] || scratch=(--scratch-path "$SCRATCH")
swift build "${scratch[@]}" -c release --static-swift-stdlib --product tracker -Xlinker -s >"$log" 2>&1 &
pid=$!
last=""
while kill -0 "$pid" 2>/dev/null; do
  step=$(grep -oE '^\[[0-9]+/[0-9]+\]' "$log" | tail -1 || true)
  if [ -n "$step" ] && [ "$step" != "$last" ]; then
    if [ -t 1 ]; then printf '\r  building %s ' "$step"; else
      # Not a terminal: one line per 10% so logs stay short.
      n=${step#[}; n=${n%%/*}; m=${step#*/}; m=${m%]}
      pct=$((n * 100 / m)); bucket=$((pct / 10))
      [ "${lastb:-}" = "$bucket" ] || { echo "  building: $pct% ($n/$m steps)"; lastb=$bucket; }
    fi
    last=$step
  fi
  sleep 1
done
if ! wait "$pid"; then
  [ -t 1 ] && echo
  grep -E 'error:' "$log" | head -20 >&2 || tail -20 "$log" >&2
  echo "the release build failed (full log above); try: swift build -c release" >&2
  exit 1
fi
[ -t 1 ] && printf '\r\033[K'
bin="$(swift build "${scratch[@]}" -c release --static-swift-stdlib --show-bin-path)/tracker"
mkdir -p "$(dirname "$DEST")"
cp "$bin" "$DEST"
strip "$DEST" 2>/dev/null || true
echo "built $DEST ($(du -m "$DEST" | cut -f1) MB, stripped; needs libsqlite3 at run time)"
