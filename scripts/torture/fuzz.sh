#!/usr/bin/env bash
# Fuzzes every parser that takes outside input with libFuzzer (+ AddressSanitizer).
# Usage: scripts/torture/fuzz.sh [RUNS_PER_TARGET] [TARGET...]
#   RUNS_PER_TARGET: inputs per parser (default 1000000); or SECONDS=N for a time box per target.
# Seeds come from scripts/torture/fuzz/corpus/<target>/ (examples taken from the tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-1000000}
shift || true
TARGETS=${*:-json events live csv filter order simplefilter time gate artifactpath query}
out=scripts/torture/out; mkdir -p "$out"
bin="$out/fuzz-tracker"
if [ ! -x "$bin" ] || [ -n "$(find Sources/TrackerCore scripts/torture/fuzz -newer "$bin" -name '*.swift' | head -1)" ]; then
  echo "building $bin (TrackerCore + harness, -sanitize=fuzzer,address)"
  # SHA256.swift and UnorderedDigest.swift wrap swift-crypto (a package, not buildable with plain
  # swiftc) and parse nothing.
  sources=$(ls Sources/TrackerCore/*.swift | grep -v -e '/SHA256.swift$' -e '/UnorderedDigest.swift$')
  # shellcheck disable=SC2086
  swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name TrackerCore $sources scripts/torture/fuzz/Fuzz.swift -o "$bin" 2>&1 | grep -v "ld.gold: warning" || true
fi
limit="-runs=$RUNS"
[ -n "${SECONDS_PER_TARGET:-}" ] && limit="-max_total_time=$SECONDS_PER_TARGET"
status=0
for t in $TARGETS; do
  corpus="$out/corpus-$t"; mkdir -p "$corpus"
  seeds=scripts/torture/fuzz/corpus/$t
  start=$(date +%s.%N)
  if SWIFT_BACKTRACE=enable=no FUZZ_TARGET=$t "$bin" $limit -max_len=4096 -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 "$corpus" ${seeds:+$( [ -d "$seeds" ] && echo "$seeds")} > "$out/fuzz-$t.log" 2>&1; then
    runs=$(awk '/number_of_executed_units/ {print $NF}' "$out/fuzz-$t.log")
    peak=$(awk '/peak_rss_mb/ {print $NF}' "$out/fuzz-$t.log")
    secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", e - s}')
    echo "fuzz $t: $runs inputs in ${secs}s, peak RSS ${peak} MB, no crash, hang or leak"
  else
    echo "fuzz $t: FAILED — see $out/fuzz-$t.log"; tail -20 "$out/fuzz-$t.log"; status=1
  fi
done
exit $status
