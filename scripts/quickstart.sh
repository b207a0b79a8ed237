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

# A web UI left running by an earlier quickstart serves the old database: stop it first.
if [ -f "$ROOT/quickstart/serve.pid" ]; then kill "$(cat "$ROOT/quickstart/serve.pid")" 2>/dev/null || true; fi
rm -rf "$ROOT/quickstart"
mkdir -p "$ROOT/quickstart"
echo "== running examples/breast-cancer/pipeline.sh into ./quickstart/"
TRACKER="$TRACKER" PYTHON="$ROOT/.venv/bin/python" examples/breast-cancer/pipeline.sh "$ROOT/quickstart"
# The web UI on the quickstart database, left running in the background.
nohup "$TRACKER" serve --db "$ROOT/quickstart/tracker.db" --port "${PORT:-0}" --log-level warning \
  > "$ROOT/quickstart/serve.out" 2> "$ROOT/quickstart/serve.err" < /dev/null &
UI_PID=$!
echo "$UI_PID" > "$ROOT/quickstart/serve.pid"
for _ in $(seq 100); do grep -q "listening on" "$ROOT/quickstart/serve.out" 2>/dev/null && break; sleep 0.1; done
UI_URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$ROOT/quickstart/serve.out")
echo
echo "Database:    $ROOT/quickstart/tracker.db   (try: $TRACKER run list --db quickstart/tracker.db)"
echo "HTML report: $ROOT/quickstart/report.html"
if [ -n "$UI_URL" ]; then
  echo "Web UI:      $UI_URL   (tracker serve, pid $UI_PID; stop it with: kill $UI_PID)"
else
  echo "Web UI:      the server did not start: $(cat "$ROOT/quickstart/serve.err")"
fi
