#!/usr/bin/env bash
# Creates .venv with the Python packages the client tests and the example need (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
want="mlflow==3.17.2 scikit-learn pytest"
if ! .venv/bin/python -c 'import mlflow, sklearn, pytest; assert mlflow.__version__ == "3.17.2"' 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check $want
fi
echo ".venv ready: $(.venv/bin/python -c 'import mlflow, sklearn; print("mlflow", mlflow.__version__, "scikit-learn", sklearn.__version__)')"
