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

rm -rf "$ROOT/quickstart"
mkdir -p "$ROOT/quickstart"
echo "== running examples/breast-cancer/pipeline.sh into ./quickstart/"
QUICKSTART=1 TRACKER="$TRACKER" PYTHON="$ROOT/.venv/bin/python" examples/breast-cancer/pipeline.sh "$ROOT/quickstart"

DB="$ROOT/quickstart/tracker.db"
cat <<DONE

== done
HTML report:  $ROOT/quickstart/report.html
Database:     $DB
Try next:
  export TRACKER_DB=$DB
  $TRACKER run list --experiment tumor --order-by "metrics.roc_auc DESC"
  $TRACKER model show tumor
  $TRACKER deployments --model tumor
  $TRACKER gap tumor --env production
  $TRACKER report --weekly
DONE
