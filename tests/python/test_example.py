"""The example end to end at reduced size: its report shows a gap whose sign and magnitude match
what production.py computed independently from the same data (with scikit-learn)."""
import json
import os
import subprocess
import tempfile

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def test_pipeline_report_matches_independent_truth():
    tracker = os.environ.get("TRACKER_BIN") or os.path.join(ROOT, ".build", "debug", "tracker")
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, TRACKER=tracker, QUICK="1", PYTHON=os.path.join(ROOT, ".venv", "bin", "python"))
        env.pop("TRACKER_DB", None)
        r = subprocess.run([os.path.join(ROOT, "examples", "breast-cancer", "pipeline.sh"), work], env=env, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        assert "exit 3: blocked by a gate" in r.stdout
        assert "rolled back tumor in staging" in r.stdout
        truth = json.load(open(os.path.join(work, "truth.json")))
        report = json.load(open(os.path.join(work, "report.json")))
        assert report["schema"] == "tracker.report/1"
        model = report["models"][0]
        assert model["model"] == "tumor" and model["live_version"] == truth["version"]
        assert model["predictions"] == truth["predictions"]
        metrics = {m["metric"]: m for m in model["metrics"]}
        for name in ["accuracy", "recall", "roc_auc", "log_loss"]:
            m = metrics[name]
            # Same labeled pairs → the same value, to rounding.
            if name != "recall":  # recall's n counts the malignant cases only
                assert m["live"]["n"] == truth["labeled"], name
            assert m["live"]["value"] == pytest.approx(truth["metrics"][name], abs=1e-9), name
            assert m["gap"] == pytest.approx(truth["metrics"][name] - m["offline"], abs=1e-9), name
        # The shift makes the model miss malignant tumours: a real, negative recall gap.
        assert metrics["recall"]["gap"] < -0.05
        assert metrics["recall"]["verdict"] == "worse"
        assert os.path.getsize(os.path.join(work, "report.html")) > 5000
        # The story ends now, so the defaults (gap: the last 7 days; report: the last complete
        # ISO week) show it without --since/--until.
        db_env = dict(os.environ, TRACKER_DB=os.path.join(work, "tracker.db"))
        weekly = json.loads(subprocess.run([tracker, "report", "--weekly", "--format", "json"], env=db_env, capture_output=True, text=True, check=True).stdout)
        assert weekly["headline"]["models"] == 1
        assert weekly["models"][0]["live_version"] == truth["version"]
        assert weekly["models"][0]["predictions"] > 0
        gap = subprocess.run([tracker, "gap", "tumor", "--env", "production"], env=db_env, capture_output=True, text=True, check=True).stdout
        assert "recall" in gap and "no live data" not in gap
        # The replayed history is consistent: every run started before the first promotion.
        runs = json.loads(subprocess.run([tracker, "run", "list", "--experiment", "tumor", "--json"], env=db_env, capture_output=True, text=True, check=True).stdout)
        ledger = json.loads(subprocess.run([tracker, "deployments", "--model", "tumor", "--json"], env=db_env, capture_output=True, text=True, check=True).stdout)
        first_promotion = min(d["time"] if "time" in d else d["start_time"] for d in ledger)
        assert max(r["info"]["start_time"] for r in runs) < first_promotion
