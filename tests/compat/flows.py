"""Flows through the unmodified mlflow client, run once against each server. Each step records
what the client returned (entities as protobuf JSON) or raised (error_code + message); the
harness compares the two recordings step by step."""
import os
import tempfile

from google.protobuf.json_format import MessageToDict
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

FOREIGN_RUN = "fedcba9876543210fedcba9876543210"


def as_json(value):
    if hasattr(value, "to_proto"):
        return MessageToDict(value.to_proto(), preserving_proto_field_name=True)
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {k: as_json(v) for k, v in vars(value).items() if not k.startswith("_")}
    return value


class Recorder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.steps = []

    def step(self, name, fn, save=None):
        try:
            value = fn()
            self.steps.append((name, as_json(value)))
            if save:
                self.ctx[save[0]] = save[1](value)
            return value
        except MlflowException as e:
            self.steps.append((name, {"error_code": e.error_code, "message": e.message}))
        except Exception as e:  # a client-side failure is a result too
            self.steps.append((name, {"exception": type(e).__name__, "message": str(e)[:300]}))
        return None


def tracking_flow(c: MlflowClient, r: Recorder):
    exp = r.step("create_experiment", lambda: c.create_experiment("flow-exp", tags={"a": "1"}), save=("fexp", str))
    r.step("get_experiment", lambda: c.get_experiment(exp))
    r.step("get_experiment_by_name", lambda: c.get_experiment_by_name("flow-exp"))
    r.step("get_experiment_by_name missing", lambda: c.get_experiment_by_name("no-such-exp"))
    r.step("create_experiment duplicate", lambda: c.create_experiment("flow-exp"))
    run = r.step("create_run", lambda: c.create_run(exp, run_name="flow-run", tags={"t": "1"}),
                 save=("frun", lambda v: v.info.run_id))
    rid = run.info.run_id if run else "missing"
    r.step("log_param", lambda: c.log_param(rid, "lr", 0.1))
    r.step("log_param changed", lambda: c.log_param(rid, "lr", 0.2))
    for i in range(3):
        r.step(f"log_metric {i}", lambda i=i: c.log_metric(rid, "loss", 1.0 / (i + 1), step=i, timestamp=1700000000000 + i))
    r.step("log_batch", lambda: c.log_batch(rid, params=[], tags=[], metrics=[]))
    r.step("set_tag", lambda: c.set_tag(rid, "stage", "dev"))
    r.step("delete_tag", lambda: c.delete_tag(rid, "stage"))
    r.step("delete_tag missing", lambda: c.delete_tag(rid, "stage"))
    r.step("get_metric_history", lambda: c.get_metric_history(rid, "loss"))
    r.step("log_text", lambda: c.log_text(rid, "hello", "notes/hello.txt"))
    r.step("list_artifacts", lambda: c.list_artifacts(rid))
    r.step("list_artifacts dir", lambda: c.list_artifacts(rid, "notes"))
    with tempfile.TemporaryDirectory() as d:
        r.step("download_artifacts", lambda: open(c.download_artifacts(rid, "notes/hello.txt", d)).read())
    r.step("set_terminated", lambda: c.set_terminated(rid, "FINISHED", end_time=1700000009000))
    r.step("get_run", lambda: c.get_run(rid))
    r.step("get_run missing", lambda: c.get_run("fake_run_id"))
    r.step("search_runs", lambda: c.search_runs([exp], "metrics.loss < 1", order_by=["metrics.loss"]))
    r.step("search_runs bad filter", lambda: c.search_runs([exp], "loss < 1"))
    r.step("search_experiments", lambda: c.search_experiments(filter_string="name LIKE 'flow%'"))
    r.step("rename_experiment", lambda: c.rename_experiment(exp, "flow-exp-2"))
    r.step("delete_run", lambda: c.delete_run(rid))
    r.step("log_metric on deleted run", lambda: c.log_metric(rid, "loss", 0.1))
    r.step("restore_run", lambda: c.restore_run(rid))


def registry_flow(c: MlflowClient, r: Recorder):
    r.step("create_registered_model", lambda: c.create_registered_model("flow-model", tags={"k": "v"}, description="d"))
    r.step("create_registered_model duplicate", lambda: c.create_registered_model("flow-model"))
    r.step("create_model_version foreign run",
           lambda: c.create_model_version("flow-model", "s3://bucket/m", run_id=FOREIGN_RUN))
    r.step("create_model_version no run", lambda: c.create_model_version("flow-model", "s3://bucket/n"))
    r.step("create_model_version unknown model", lambda: c.create_model_version("no-such-model", "s3://x"))
    r.step("set_registered_model_alias", lambda: c.set_registered_model_alias("flow-model", "champ", "1"))
    r.step("get_model_version_by_alias", lambda: c.get_model_version_by_alias("flow-model", "champ"))
    r.step("get_model_version_by_alias missing", lambda: c.get_model_version_by_alias("flow-model", "nope"))
    r.step("set_model_version_tag", lambda: c.set_model_version_tag("flow-model", "1", "q", "ok"))
    r.step("transition stage", lambda: c.transition_model_version_stage("flow-model", "1", "Production"))
    r.step("get_latest_versions", lambda: c.get_latest_versions("flow-model", stages=["Production"]))
    r.step("search_model_versions", lambda: c.search_model_versions("name = 'flow-model'"))
    r.step("search_registered_models", lambda: c.search_registered_models())
    r.step("get_model_version_download_uri", lambda: c.get_model_version_download_uri("flow-model", "1"))
    r.step("delete_registered_model_alias", lambda: c.delete_registered_model_alias("flow-model", "champ"))
    r.step("get_registered_model", lambda: c.get_registered_model("flow-model"))
    r.step("get_registered_model missing", lambda: c.get_registered_model("no-such-model"))
    r.step("delete_model_version", lambda: c.delete_model_version("flow-model", "2"))
    r.step("get_model_version deleted", lambda: c.get_model_version("flow-model", "2"))


def logged_model_flow(c: MlflowClient, r: Recorder):
    exp = r.ctx.get("fexp", "0")
    m = r.step("create_logged_model foreign run",
               lambda: c.create_logged_model(exp, name="lm", source_run_id=FOREIGN_RUN, params={"a": "1"}),
               save=("flm", lambda v: v.model_id))
    mid = m.model_id if m else "m-missing"
    r.step("finalize_logged_model", lambda: c.finalize_logged_model(mid, "READY"))
    r.step("set_logged_model_tags", lambda: c.set_logged_model_tags(mid, {"x": "1"}))
    r.step("delete_logged_model_tag", lambda: c.delete_logged_model_tag(mid, "x"))
    r.step("delete_logged_model_tag missing", lambda: c.delete_logged_model_tag(mid, "x"))
    r.step("get_logged_model", lambda: c.get_logged_model(mid))
    r.step("search_logged_models", lambda: c.search_logged_models(experiment_ids=[exp]))
    r.step("create_registered_model", lambda: c.create_registered_model("lm-model"))
    r.step("create_model_version from logged model",
           lambda: c.create_model_version("lm-model", f"models:/{mid}", model_id=mid))
    r.step("logged model tags after registering", lambda: c.get_logged_model(mid).tags)
    r.step("get_logged_model missing", lambda: c.get_logged_model("m-00000000000000000000000000000000"))


FLOWS = [("client: tracking", tracking_flow), ("client: registry", registry_flow),
         ("client: logged models", logged_model_flow)]


def run_flow(url, fn, ctx):
    """Runs one flow against the server at `url`; the client's artifact calls follow the env URI."""
    old = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = url
    try:
        rec = Recorder(ctx)
        fn(MlflowClient(tracking_uri=url, registry_uri=url), rec)
        return rec.steps
    finally:
        if old is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = old
