#!/usr/bin/env bash
# The JSON parser against Foundation's JSONSerialization on event lines, same run, release build.
# Usage: scripts/bench/json.sh [LINES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product bench-json >/dev/null
"$(swift build -c release --show-bin-path)/bench-json" "${1:-200000}" "${2:-3}"
