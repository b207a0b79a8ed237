"""Trains one candidate and logs it, in one of two ways:

  tracker run exec --experiment tumor -- python train.py --family sgd --alpha 0.001
      logs through clients/python/tracker_log.py (no server, no dependency)
  MLFLOW_TRACKING_URI=http://127.0.0.1:PORT python train.py --family gbm --mlflow
      logs through the unmodified mlflow client against `tracker serve`

Families: rule (the incumbent radius threshold), sgd (logistic regression trained epoch by
epoch), gbm (gradient boosting, metrics per boosting stage). Every run logs its params,
per-epoch/iteration holdout metrics, the final holdout metrics and model.pkl.
"""
import argparse
import getpass
import os
import pickle
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))

from data import RadiusRule, holdout_metrics, splits  # noqa: E402

args = argparse.ArgumentParser()
args.add_argument("--family", choices=["rule", "sgd", "gbm"], required=True)
args.add_argument("--alpha", type=float, default=0.0001)
args.add_argument("--epochs", type=int, default=20)
args.add_argument("--estimators", type=int, default=60)
args.add_argument("--depth", type=int, default=2)
args.add_argument("--mlflow", action="store_true", help="log with the mlflow client (MLFLOW_TRACKING_URI)")
a = args.parse_args()

from tracker_log import now_ms  # noqa: E402  (honours $TRACKER_CLOCK_OFFSET when the example replays history)

if a.mlflow:
    import mlflow

    # Explicit times, so a replayed history (TRACKER_CLOCK_OFFSET) is consistent on both paths.
    client = mlflow.MlflowClient()
    experiment = mlflow.set_experiment(os.environ.get("EXPERIMENT", "tumor"))
    name = f"{a.family}-{a.estimators}x{a.depth}" if a.family == "gbm" else a.family
    # mlflow.start_run(run_name=…) would add the user tag itself; create_run needs it spelled out.
    tags = {"mlflow.user": getpass.getuser()}
    run = mlflow.start_run(run_id=client.create_run(experiment.experiment_id, start_time=now_ms(), run_name=name, tags=tags).info.run_id)
    log_param, set_tag = mlflow.log_param, mlflow.set_tag
    log_metric = lambda k, v, step=None: mlflow.log_metric(k, v, step=step, timestamp=now_ms())  # noqa: E731
else:
    import tracker_log as tl

    log_param, log_metric, set_tag = tl.log_param, tl.log_metric, tl.set_tag

(X_train, y_train), (X_hold, y_hold), _ = splits()
set_tag("family", a.family)
set_tag("dataset", "sklearn breast_cancer")

if a.family == "rule":
    # Pick the radius threshold with the best training accuracy.
    grid = np.linspace(10, 20, 101)
    acc = [((X_train[:, 0] > t).astype(int) == y_train).mean() for t in grid]
    model = RadiusRule(float(grid[int(np.argmax(acc))]))
    log_param("threshold", round(model.threshold, 3))
elif a.family == "sgd":
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import log_loss
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    log_param("alpha", a.alpha)
    log_param("epochs", a.epochs)
    scaler = StandardScaler().fit(X_train)
    clf = SGDClassifier(loss="log_loss", alpha=a.alpha, random_state=0)
    for epoch in range(a.epochs):
        clf.partial_fit(scaler.transform(X_train), y_train, classes=[0, 1])
        p = clf.predict_proba(scaler.transform(X_hold))[:, 1]
        log_metric("holdout_accuracy", float(((p > 0.5) == y_hold).mean()), step=epoch)
        log_metric("train_log_loss", float(log_loss(y_train, clf.predict_proba(scaler.transform(X_train))[:, 1], labels=[0, 1])), step=epoch)
    model = make_pipeline(scaler, clf)
else:
    from sklearn.ensemble import GradientBoostingClassifier

    log_param("n_estimators", a.estimators)
    log_param("max_depth", a.depth)
    model = GradientBoostingClassifier(n_estimators=a.estimators, max_depth=a.depth, random_state=0).fit(X_train, y_train)
    for i, p in enumerate(model.staged_predict_proba(X_hold)):
        if i % 5 == 4 or i == a.estimators - 1:
            log_metric("holdout_accuracy", float(((p[:, 1] > 0.5) == y_hold).mean()), step=i + 1)

score = model.predict_proba(X_hold)[:, 1]
for k, v in holdout_metrics(y_hold, (score > 0.5).astype(int), score).items():
    log_metric(k, v)

if a.mlflow:
    # The mlflow client uploads before returning, so a temporary file is fine.
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.pkl")
        with open(path, "wb") as f:
            pickle.dump(model, f)
        mlflow.log_artifact(path)
    if a.family == "gbm":
        # We built this model ourselves, so its tree type is trusted for the skops format.
        mlflow.sklearn.log_model(model, name="model", skops_trusted_types=["sklearn.tree._tree.Tree"])
    mlflow.end_run()
    client.set_terminated(run.info.run_id, "FINISHED", end_time=now_ms())
else:
    # tracker copies the file when it ingests the event (while or after the script runs), so it
    # must outlive the script.
    workdir = os.path.join(os.environ.get("WORKDIR", tempfile.gettempdir()), "models")
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, f"{a.family}-{tl.run_id()}.pkl")
    with open(path, "wb") as f:
        pickle.dump(model, f)
    tl.log_artifact(path, name="model.pkl")
print(f"{a.family}: holdout accuracy {((score > 0.5) == y_hold).mean():.3f}")
