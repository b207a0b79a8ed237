#!/usr/bin/env bash
# The whole idea, end to end, on real data and real models:
#   train candidates (two logging paths) → register → gates → staging → production (one blocked)
#   → a rollback → production reports back for weeks → the weekly report shows the gap.
# Usage: examples/breast-cancer/pipeline.sh [WORK_DIR]   (QUICK=1 for a smaller run)
#
# The story is replayed so that it ends now: training, registry, gates and promotions happen
# WEEKS weeks and two days ago ($TRACKER_CLOCK_OFFSET shifts tracker's clock, the server's and the
# Python helpers'), and production traffic covers the WEEKS weeks that end now. So after it,
# `tracker gap tumor` and `tracker report --weekly` with their defaults show the story.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TRACKER=${TRACKER:-$ROOT/.build/release/tracker}
PY=${PYTHON:-$ROOT/.venv/bin/python}
if [ -n "${1:-}" ]; then mkdir -p "$1" && WORK=$(cd "$1" && pwd); else WORK=$(mktemp -d); fi
export TRACKER_DB="$WORK/tracker.db" WORKDIR="$WORK" TRACKER_ACTOR="${TRACKER_ACTOR:-pipeline}" EXPERIMENT=tumor
QUICK=${QUICK:-0}
WEEKS=4; PER_DAY=120
[ "$QUICK" = 1 ] && { WEEKS=3; PER_DAY=60; }
# Everything before production runs this many days in the past.
PAST=(env "TRACKER_CLOCK_OFFSET=-$((WEEKS * 7 + 2))d")
# Echo each command as it could be pasted into a shell (double-quoted where needed), then run it.
show() {
  printf '\n$ tracker'
  local a
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=@,+-]+$ ]]; then printf ' %s' "$a"; else printf ' "%s"' "${a//\"/\\\"}"; fi
  done
  echo
}
t() { show "$@"; "${PAST[@]}" "$TRACKER" "$@"; }
now() { show "$@"; "$TRACKER" "$@"; }
run_id() { "$TRACKER" run list --experiment tumor --json "$@" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["info"]["run_id"])'; }

echo "== tracker serve (for the mlflow client and for production)"
"${PAST[@]}" "$TRACKER" serve --port 0 --log-level warning > "$WORK/serve.out" 2> "$WORK/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/serve.out")
[ -n "$URL" ] || { echo "tracker serve did not start: $(cat "$WORK/serve.err")" >&2; exit 1; }
echo "$URL"

echo "== training: the incumbent rule and a logistic regression through tracker run exec + tracker_log.py"
cd "$HERE"
"${PAST[@]}" "$TRACKER" run exec --experiment tumor --name radius-rule --tag owner=clinic -- "$PY" train.py --family rule
"${PAST[@]}" "$TRACKER" run exec --experiment tumor --name sgd-strong-reg --tag owner=ds -- "$PY" train.py --family sgd --alpha 0.5 --epochs 3
"${PAST[@]}" "$TRACKER" run exec --experiment tumor --name sgd-0.001 --tag owner=ds -- "$PY" train.py --family sgd --alpha 0.001
echo "== training: gradient boosting through the unmodified mlflow client against tracker serve"
MLFLOW_TRACKING_URI="$URL" "${PAST[@]}" "$PY" train.py --family gbm --estimators 60 --depth 2 --mlflow
[ "$QUICK" = 1 ] || MLFLOW_TRACKING_URI="$URL" "${PAST[@]}" "$PY" train.py --family gbm --estimators 150 --depth 3 --mlflow

t run list --experiment tumor --order-by "metrics.roc_auc DESC"

RULE=$(run_id --filter "tags.family = 'rule'")
WEAK=$(run_id --filter "attributes.run_name = 'sgd-strong-reg'")
BEST=$(run_id --filter "tags.family != 'rule' and attributes.run_name != 'sgd-strong-reg'" --order-by "metrics.roc_auc DESC" --limit 1)

echo; echo "== registry: the rule as version 1, a weak candidate as 2, the best run as 3"
t model register tumor --run "$RULE" --artifact model.pkl --description "radius threshold rule (the incumbent)"
t model register tumor --run "$WEAK" --artifact model.pkl
t model register tumor --run "$BEST" --artifact model.pkl
t promote tumor 1 --to production --force --reason "the rule-based system already serving"

echo; echo "== gates"
t gate set tumor --env staging --require "accuracy >= 0.85"
t gate set tumor --env production --require "accuracy >= 0.9" --require "recall >= 0.85" --must-beat-current roc_auc:0.005 --after staging
set +e
t promote tumor 2 --to production --reason "skip staging?"
status=$?
set -e
echo "(exit $status: blocked by a gate, nothing changed)"
t promote tumor 3 --to staging --reason "best holdout ROC AUC"
t promote tumor 2 --to staging --reason "try the cheaper model"
t rollback tumor --env staging --reason "cheaper model misses too many malignant cases"
t promote tumor 3 --to production --reason "beats the rule on every holdout metric"
t deployments --model tumor

echo; echo "== production: the $WEEKS weeks that end now, with delayed labels, posted to /api/v1/live"
HOUR=3600000
START=$(( ($(date +%s) * 1000 / HOUR) * HOUR - WEEKS * 7 * 24 * HOUR ))
"$PY" production.py --url "$URL" --start "$START" --weeks "$WEEKS" --per-day "$PER_DAY" --truth "$WORK/truth.json"
SINCE=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["since"])' "$WORK/truth.json")
UNTIL=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["until"])' "$WORK/truth.json")

echo; echo "== the last 7 days of production (gap's default window)"
now gap tumor --env production
echo; echo "== the weekly report for the last complete ISO week (the default)"
"$TRACKER" report --weekly
"$TRACKER" report --weekly --format html --out "$WORK/report.html"
# The last 7 days as JSON, for checking against what production.py computed independently.
"$TRACKER" report --since "$SINCE" --until "$UNTIL" --format json --out "$WORK/report.json"
[ -n "${QUICKSTART:-}" ] || { echo; echo "HTML report: $WORK/report.html"; }
