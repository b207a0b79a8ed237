#!/usr/bin/env bash
# The main job (README "Set up"): on a fresh Debian 12 machine with the Swift toolchain, install
# what is missing, build tracker in release mode, and run the whole example — training with two
# logging paths, gates and promotions, a rollback, weeks of production traffic with delayed
# labels — into a fresh database in ./quickstart/, ending with the weekly report.
# Idempotent: running it again starts from a fresh ./quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

need=()
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}"
fi

echo "== Python environment (scikit-learn, mlflow) in .venv"
scripts/python-env.sh

echo "== building tracker (release; the first build takes a few minutes)"
swift build -c release --static-swift-stdlib --product tracker 2>&1 | grep -E "error|warning: unre|Compiling tracker|Build complete" || true
TRACKER="$(swift build -c release --static-swift-stdlib --show-bin-path)/tracker"
[ -x "$TRACKER" ] || { echo "the build failed; run: swift build -c release" >&2; exit 1; }

rm -rf "$ROOT/quickstart"
mkdir -p "$ROOT/quickstart"
echo "== running examples/breast-cancer/pipeline.sh into ./quickstart/"
TRACKER="$TRACKER" PYTHON="$ROOT/.venv/bin/python" examples/breast-cancer/pipeline.sh "$ROOT/quickstart"
echo
echo "Database:    $ROOT/quickstart/tracker.db   (try: $TRACKER run list --db quickstart/tracker.db)"
echo "HTML report: $ROOT/quickstart/report.html"
