#!/usr/bin/env bash
# Creates .venv with the pinned Python packages the tests and the example need (idempotent):
# tests/requirements.txt lists exact versions (mlflow, scikit-learn, pytest, selenium, axe).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
  echo "$want" > "$stamp"
fi
echo ".venv ready: $(.venv/bin/python -c 'import mlflow, sklearn, selenium; print("mlflow", mlflow.__version__, "scikit-learn", sklearn.__version__, "selenium", selenium.__version__)')"
