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

echo "== building tracker (release, stripped; the first build takes a few minutes)"
scripts/build-release.sh .build/tracker
TRACKER="$ROOT/.build/tracker"

# A web UI left running by an earlier quickstart serves the old database: stop it first.
if [ -f "$ROOT/quickstart/serve.pid" ]; then kill "$(cat "$ROOT/quickstart/serve.pid")" 2>/dev/null || true; fi
rm -rf "$ROOT/quickstart"
mkdir -p "$ROOT/quickstart"
echo "== running examples/breast-cancer/pipeline.sh into ./quickstart/"
QUICKSTART=1 TRACKER="$TRACKER" PYTHON="$ROOT/.venv/bin/python" examples/breast-cancer/pipeline.sh "$ROOT/quickstart"

DB="$ROOT/quickstart/tracker.db"
# The web UI on the quickstart database, left running in the background.
nohup "$TRACKER" serve --db "$DB" --port "${PORT:-0}" --log-level warning \
  > "$ROOT/quickstart/serve.out" 2> "$ROOT/quickstart/serve.err" < /dev/null &
UI_PID=$!
echo "$UI_PID" > "$ROOT/quickstart/serve.pid"
for _ in $(seq 100); do grep -q "listening on" "$ROOT/quickstart/serve.out" 2>/dev/null && break; sleep 0.1; done
UI_URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$ROOT/quickstart/serve.out")
[ -n "$UI_URL" ] || UI_URL="(the server did not start: $(cat "$ROOT/quickstart/serve.err"))"
cat <<DONE

== done
HTML report:  $ROOT/quickstart/report.html
Web UI:       $UI_URL   (tracker serve, pid $UI_PID; stop it with: kill $UI_PID)
Database:     $DB
Try next:
  export TRACKER_DB=$DB
  $TRACKER run list --experiment tumor --order-by "metrics.roc_auc DESC"
  $TRACKER model show tumor
  $TRACKER deployments --model tumor
  $TRACKER gap tumor --env production
  $TRACKER report --weekly
DONE
