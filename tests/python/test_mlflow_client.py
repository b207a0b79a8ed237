"""The unmodified mlflow client against `tracker serve`: the whole fluent workflow, models,
the registry, errors, and the same data seen through the tracker CLI."""
import json
import math
import os
import tempfile

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression


def test_default_experiment_exists(server):
    names = {e.name for e in MlflowClient().search_experiments()}
    assert "Default" in names
    assert MlflowClient().get_experiment("0").name == "Default"


def test_fluent_workflow(server):
    mlflow.set_experiment("fluent")
    exp = mlflow.get_experiment_by_name("fluent")
    assert exp is not None and exp.artifact_location == f"mlflow-artifacts:/{exp.experiment_id}"
    with mlflow.start_run(run_name="r1", tags={"team": "ml"}) as run:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"depth": 5, "opt": "adam"})
        mlflow.log_metric("acc", 0.9, step=3)
        mlflow.log_metrics({"acc": 0.91, "loss": 0.2}, step=4)
        mlflow.log_metric("nanm", float("nan"))
        mlflow.log_metric("infm", float("inf"))
        mlflow.set_tag("stage", "dev")
        mlflow.set_tags({"a": "1", "b": "2"})
        mlflow.log_dict({"x": 1}, "cfg/config.json")
        mlflow.log_text("hello", "notes.txt")
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "data.csv")
            with open(p, "w") as f:
                f.write("a,b\n1,2\n")
            mlflow.log_artifact(p, artifact_path="data")
        run_id = run.info.run_id
    r = MlflowClient().get_run(run_id)
    assert r.info.status == "FINISHED" and r.info.run_name == "r1"
    assert r.data.params == {"lr": "0.01", "depth": "5", "opt": "adam"}
    assert r.data.metrics["acc"] == 0.91 and r.data.metrics["loss"] == 0.2
    assert math.isnan(r.data.metrics["nanm"])
    assert r.data.metrics["infm"] >= 1.7976931348623157e308
    assert r.data.tags["team"] == "ml" and r.data.tags["stage"] == "dev" and r.data.tags["b"] == "2"
    hist = MlflowClient().get_metric_history(run_id, "acc")
    assert [(m.step, m.value) for m in hist] == [(3, 0.9), (4, 0.91)]
    top = {a.path: a.is_dir for a in MlflowClient().list_artifacts(run_id)}
    assert top == {"cfg": True, "data": True, "notes.txt": False}
    assert [a.path for a in MlflowClient().list_artifacts(run_id, "data")] == ["data/data.csv"]
    with tempfile.TemporaryDirectory() as d:
        local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="notes.txt", dst_path=d)
        assert open(local).read() == "hello"
        cfg = mlflow.artifacts.load_dict(f"runs:/{run_id}/cfg/config.json")
        assert cfg == {"x": 1}


def test_search_runs_with_filters_and_order(server):
    mlflow.set_experiment("search")
    ids = {}
    for name, acc, opt in [("a", 0.95, "adam"), ("b", 0.7, "sgd"), ("c", 0.85, "adam")]:
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_metric("acc", acc)
            mlflow.log_param("opt", opt)
            ids[name] = run.info.run_id
    exp = mlflow.get_experiment_by_name("search").experiment_id
    df = mlflow.search_runs([exp], filter_string="metrics.acc > 0.8 and params.opt = 'adam'", order_by=["metrics.acc ASC"])
    assert list(df["tags.mlflow.runName"]) == ["c", "a"]
    runs = MlflowClient().search_runs([exp], "attributes.run_name = 'b'")
    assert [r.info.run_id for r in runs] == [ids["b"]]
    page = MlflowClient().search_runs([exp], max_results=2)
    assert len(page) == 2 and page.token
    rest = MlflowClient().search_runs([exp], max_results=2, page_token=page.token)
    assert len(rest) == 1
    with pytest.raises(MlflowException) as e:
        MlflowClient().search_runs([exp], "bogus.x = 1")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"


def test_errors_carry_mlflow_codes(server):
    with pytest.raises(MlflowException) as e:
        MlflowClient().get_run("0123456789abcdef0123456789abcdef")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    mlflow.set_experiment("errors")
    with mlflow.start_run():
        mlflow.log_param("k", "v1")
        with pytest.raises(MlflowException) as e:
            mlflow.log_param("k", "v2")
        assert e.value.error_code == "INVALID_PARAMETER_VALUE"
        with pytest.raises(MlflowException) as e:
            mlflow.log_metric("bad key?", 1.0)
        assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as e:
        MlflowClient().create_experiment("errors")
    assert e.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_sklearn_model_registry_alias_and_load(server):
    X, y = load_breast_cancer(return_X_y=True)
    mlflow.set_experiment("models")
    with mlflow.start_run(run_name="lr") as run:
        clf = LogisticRegression(max_iter=200).fit(X[:400], y[:400])
        acc = float((clf.predict(X[400:]) == y[400:]).mean())
        mlflow.log_metric("accuracy", acc)
        info = mlflow.sklearn.log_model(clf, name="model", input_example=X[:2])
    mv = mlflow.register_model(f"runs:/{run.info.run_id}/model", "bc")
    assert mv.version == "1"
    client = MlflowClient()
    client.set_registered_model_alias("bc", "champion", "1")
    assert client.get_model_version_by_alias("bc", "champion").version == "1"
    loaded = mlflow.pyfunc.load_model("models:/bc@champion")
    pred = loaded.predict(X[400:410])
    assert list(pred) == list(clf.predict(X[400:410]))
    assert [m.name for m in client.search_registered_models()] == ["bc"]
    assert [v.version for v in client.search_model_versions("name = 'bc'")] == ["1"]
    client.set_model_version_tag("bc", "1", "validated", "true")
    mv = client.transition_model_version_stage("bc", "1", "Staging")
    assert mv.current_stage == "Staging"
    assert [v.version for v in client.get_latest_versions("bc", stages=["Staging"])] == ["1"]
    client.delete_registered_model_alias("bc", "champion")
    with pytest.raises(MlflowException):
        client.get_model_version_by_alias("bc", "champion")
    with pytest.raises(MlflowException) as e:
        client.get_registered_model("nope")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    # The same data through the CLI: the run is listed, the version has the run's metrics
    # as offline metrics and can be promoted through gates.
    listed = json.loads(server.cli("run", "list", "--experiment", "models", "--json").stdout)
    assert [r["info"]["run_id"] for r in listed] == [run.info.run_id]
    shown = json.loads(server.cli("model", "show", "bc", "--json").stdout)
    assert shown["versions"][0]["offline_metrics"]["accuracy"] == pytest.approx(acc)
    blocked = server.cli("promote", "bc", "1", "--to", "production", "--require", "accuracy >= 1.01", check=False)
    assert blocked.returncode == 3
    server.cli("promote", "bc", "1", "--to", "production", "--require", "accuracy >= 0.5")
    ledger = json.loads(server.cli("deployments", "--model", "bc", "--json").stdout)
    assert [(e["kind"], e["to_version"]) for e in ledger] == [("promote", 1)]


def test_cli_logged_runs_are_visible_to_mlflow(server):
    run_id = server.cli("run", "start", "--experiment", "from-cli", "--name", "cli-run").stdout.strip()
    server.cli("log", "metric", run_id, "loss", "0.5", "--step", "2")
    r = MlflowClient().get_run(run_id)
    assert r.info.run_name == "cli-run" and r.data.metrics["loss"] == 0.5


def test_native_live_gap_and_promote(server):
    mlflow.set_experiment("native")
    with mlflow.start_run() as run:
        mlflow.log_metric("accuracy", 0.9)
    server.cli("model", "register", "svc", "--run", run.info.run_id)
    server.cli("promote", "svc", "1", "--to", "production")
    lines = []
    for i in range(40):
        lines.append(json.dumps({"type": "prediction", "model": "svc", "env": "production", "id": f"n{i}", "prediction": 1}))
        lines.append(json.dumps({"type": "outcome", "id": f"n{i}", "actual": 1 if i % 4 else 0}))
    status, body = server.request("POST", "/api/v1/live", raw="\n".join(lines).encode())
    assert status == 200, body
    assert json.loads(body)["stored"] == 80
    status, body = server.request("POST", "/api/v1/live", raw="\n".join(lines).encode())
    assert json.loads(body)["duplicate"] == 80  # idempotent
    status, body = server.request("GET", "/api/v1/gap?model=svc&env=production&min_n=10")
    gap = json.loads(body)
    acc = [m for m in gap["versions"][0]["metrics"] if m["metric"] == "accuracy"][0]
    assert acc["live"] == 0.75 and acc["offline"] == 0.9 and acc["n"] == 40
    status, body = server.request("POST", "/api/v1/promote", {"model": "svc", "version": "1", "env": "staging", "require": ["accuracy >= 0.95"]})
    assert status == 409 and json.loads(body)["gates"][0]["passed"] is False
    status, body = server.request("GET", "/api/v1/deployments?model=svc")
    assert [e["env"] for e in json.loads(body)] == ["production"]
    status, body = server.request("GET", "/api/v1/report?format=md")
    assert status == 200 and body.startswith(b"# Production vs offline")


def test_artifact_path_traversal_is_refused(server):
    for path in ["/api/2.0/mlflow-artifacts/artifacts/1/x/artifacts/../../../etc/passwd", "/api/2.0/mlflow-artifacts/artifacts/1/x/artifacts/%2e%2e/secret"]:
        status, body = server.request("PUT", path, raw=b"x")
        assert status in (400, 404), (path, status, body)
    status, body = server.request("GET", "/api/2.0/mlflow-artifacts/artifacts?path=..%2F..%2Fetc")
    assert status in (200, 400) and b"passwd" not in body


def test_auth_requires_the_token():
    from conftest import Server

    with tempfile.TemporaryDirectory() as tmp:
        s = Server(tmp, token="s3cret")
        try:
            s.token = None
            status, _ = s.request("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0")
            assert status == 401
            status, _ = s.request("GET", "/health", headers={"Authorization": "Bearer wrong"})
            assert status == 401
            s.token = "s3cret"
            status, body = s.request("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0")
            assert status == 200 and b"Default" in body
            os.environ["MLFLOW_TRACKING_TOKEN"] = "s3cret"
            try:
                client = MlflowClient(tracking_uri=s.url)
                assert client.get_experiment("0").name == "Default"
            finally:
                os.environ.pop("MLFLOW_TRACKING_TOKEN")
        finally:
            s.stop()
