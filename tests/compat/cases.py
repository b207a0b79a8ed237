"""The scripted requests, in the order they run (state builds up: later groups use the
experiments, runs and models earlier ones created). `endpoint()` turns one good request and the
field types of MLflow's request schema into the good case plus its bad variants: each required
field missing or empty, each field with a wrong JSON type, unknown ids. Hand-written cases add
limits and semantics."""
from harness import Case

API = "/api/2.0/mlflow"
ART = "/api/2.0/mlflow-artifacts/artifacts"
FAKE_RUN = "fake_run_id"
FOREIGN_RUN = "0123456789abcdef0123456789abcdef"  # a run id of some other tracking server
LONG_KEY = "k" * 251

WRONG = {"str": [123, ["x"]], "int": ["abc"], "list": ["notalist"], "bool": ["yes"], "float": ["abc"], "dict": ["x"]}
WRONG_QUERY = {"int": ["abc"]}  # a query string carries only strings


def endpoint(group, method, path, good, types, required=(), unknown=None, good_last=False, save=None):
    """The good request and its bad variants for one endpoint."""
    unknown = unknown or {}
    is_get = method == "GET"
    out = []

    def case(body, label, **kw):
        if is_get:
            return Case(group, method, path, query=body, label=label, **kw)
        return Case(group, method, path, body=body, label=label, **kw)

    good_case = case(good, "good", save=save or {})
    if not good_last:
        out.append(good_case)
    for f in required:
        out.append(case({k: v for k, v in good.items() if k != f}, f"missing {f}"))
        if types.get(f) == "str":
            out.append(case({**good, f: ""}, f"empty {f}"))
    for f, kind in types.items():
        for i, bad in enumerate((WRONG_QUERY if is_get else WRONG).get(kind, [])):
            out.append(case({**good, f: bad}, f"wrong type {f} #{i}"))
    for f, value in unknown.items():
        out.append(case({**good, f: value}, f"unknown {f}"))
    if good_last:
        out.append(good_case)
    return out


def experiments():
    g = "experiments"
    c = []
    c += endpoint(g, "POST", f"{API}/experiments/create", {"name": "alpha", "tags": [{"key": "team", "value": "a"}]},
                  {"name": "str", "artifact_location": "str", "tags": "list"}, required=["name"], good_last=True,
                  save={"exp": "experiment_id"})
    c += [
        Case(g, "POST", f"{API}/experiments/create", {"name": "alpha"}, label="duplicate name"),
        Case(g, "POST", f"{API}/experiments/create", {"name": "x" * 501}, label="name over 500"),
        Case(g, "POST", f"{API}/experiments/create", {"name": "beta"}, save={"exp2": "experiment_id"}, label="second"),
        Case(g, "POST", f"{API}/experiments/create", {"name": "Gamma", "tags": [{"key": "team", "value": "b"}]},
             save={"exp3": "experiment_id"}, label="third"),
        Case(g, "POST", f"{API}/experiments/create", {"name": "own-loc", "artifact_location": "/tmp/somewhere"},
             save={"exp4": "experiment_id"}, label="own artifact location"),
        Case(g, "POST", f"{API}/experiments/create", raw=b"{not json", label="malformed JSON"),
        Case(g, "POST", f"{API}/experiments/create", {"name": "t", "tags": [{"value": "v"}]}, label="tag without key"),
    ]
    c += endpoint(g, "GET", f"{API}/experiments/get", {"experiment_id": "{exp}"}, {}, required=["experiment_id"],
                  unknown={"experiment_id": "99999"})
    c.append(Case(g, "GET", f"{API}/experiments/get", query={"experiment_id": "abc"}, label="non-numeric id"))
    c += endpoint(g, "GET", f"{API}/experiments/get-by-name", {"experiment_name": "alpha"}, {},
                  required=["experiment_name"], unknown={"experiment_name": "nope"})
    c += endpoint(g, "POST", f"{API}/experiments/update", {"experiment_id": "{exp2}", "new_name": "beta2"},
                  {"experiment_id": "str", "new_name": "str"}, required=["experiment_id", "new_name"],
                  unknown={"experiment_id": "99999"}, good_last=True)
    c.append(Case(g, "POST", f"{API}/experiments/update", {"experiment_id": "{exp2}", "new_name": "alpha"},
                  label="rename onto an existing name"))
    c += endpoint(g, "POST", f"{API}/experiments/set-experiment-tag", {"experiment_id": "{exp}", "key": "k1", "value": "v1"},
                  {"experiment_id": "str", "key": "str", "value": "str"}, required=["experiment_id", "key"],
                  unknown={"experiment_id": "99999"})
    c.append(Case(g, "POST", f"{API}/experiments/set-experiment-tag",
                  {"experiment_id": "{exp}", "key": "big", "value": "v" * 20001}, label="value over 20000"))
    c.append(Case(g, "POST", f"{API}/experiments/set-experiment-tag",
                  {"experiment_id": "{exp}", "key": LONG_KEY, "value": "v"}, label="key over 250"))
    c += endpoint(g, "POST", f"{API}/experiments/delete-experiment-tag", {"experiment_id": "{exp}", "key": "k1"},
                  {"experiment_id": "str", "key": "str"}, required=["experiment_id", "key"],
                  unknown={"experiment_id": "99999"}, good_last=True)
    c.append(Case(g, "POST", f"{API}/experiments/delete-experiment-tag", {"experiment_id": "{exp}", "key": "never"},
                  label="unknown tag"))
    c += endpoint(g, "POST", f"{API}/experiments/delete", {"experiment_id": "{exp3}"}, {"experiment_id": "str"},
                  required=["experiment_id"], unknown={"experiment_id": "99999"}, good_last=True)
    c += endpoint(g, "POST", f"{API}/experiments/restore", {"experiment_id": "{exp3}"}, {"experiment_id": "str"},
                  required=["experiment_id"], unknown={"experiment_id": "99999"}, good_last=True)
    c.append(Case(g, "POST", f"{API}/experiments/delete", {"experiment_id": "{exp4}"}, label="delete own-loc"))
    c.append(Case(g, "GET", f"{API}/experiments/get", query={"experiment_id": "{exp4}"}, label="a deleted one"))
    return c


def experiment_search():
    g = "experiments/search"
    s = f"{API}/experiments/search"
    c = endpoint(g, "POST", s, {"max_results": 1000}, {"view_type": "int", "max_results": "int", "order_by": "list",
                                                        "filter": "str", "page_token": "str"})
    filters = [
        "name = 'alpha'", "attribute.name = 'alpha'", "attributes.name != 'alpha'", "name LIKE 'a%'", "name LIKE '%a'",
        "name ILIKE 'g%'", "name LIKE 'G%'", "tags.team = 'a'", "tag.team != 'a'", "tags.`team` = 'b'",
        "name = 'alpha' AND tags.team = 'a'", "name = 'none'", "tags.team IS NULL", "experiment_id = '0'",
        "name = alpha", "bogus = 'x'", "name >= 'a'", "creation_time > 0",
    ]
    c += [Case(g, "POST", s, {"filter": f}, label=f"filter {f}") for f in filters]
    orders = ["name", "name DESC", "name ASC", "experiment_id DESC", "attribute.name DESC", "creation_time",
              "last_update_time DESC", "bogus", "name SIDEWAYS"]
    c += [Case(g, "POST", s, {"order_by": [o]}, label=f"order {o}") for o in orders]
    for vt in ["ACTIVE_ONLY", "DELETED_ONLY", "ALL", 2, 3, "BOGUS"]:
        c.append(Case(g, "POST", s, {"view_type": vt, "order_by": ["name"]}, label=f"view_type {vt}"))
    c += [
        Case(g, "POST", s, {"max_results": 2, "order_by": ["name"]}, save={"etok": "next_page_token"}, label="page 1"),
        Case(g, "POST", s, {"max_results": 2, "order_by": ["name"], "page_token": "{etok}"}, label="page 2"),
        Case(g, "POST", s, {"max_results": 0}, label="max_results 0"),
        Case(g, "POST", s, {"max_results": 50001}, label="max_results over limit"),
        Case(g, "POST", s, {"page_token": "garbage"}, label="bad page token"),
        Case(g, "GET", s, query={"max_results": "5", "order_by": "name"}, label="GET form"),
        Case(g, "GET", s, query={"max_results": "abc"}, label="GET wrong type"),
    ]
    return c


def runs():
    g = "runs"
    c = []
    good = {"experiment_id": "{exp}", "run_name": "r1", "start_time": 1700000000000, "user_id": "u",
            "tags": [{"key": "t", "value": "1"}]}
    c += endpoint(g, "POST", f"{API}/runs/create", good,
                  {"experiment_id": "str", "start_time": "int", "run_name": "str"},
                  unknown={"experiment_id": "99999"}, save={"run": "run.info.run_id"})
    c += [
        # Distinct start times: both servers break start-time ties by run id, and the ids are random.
        Case(g, "POST", f"{API}/runs/create", {**good, "run_name": "r2", "start_time": 1700000000002},
             save={"run2": "run.info.run_id"}, label="second"),
        Case(g, "POST", f"{API}/runs/create", {**good, "run_name": "r3", "start_time": 1700000000003},
             save={"run3": "run.info.run_id"}, label="third"),
        Case(g, "POST", f"{API}/runs/create", {"experiment_id": "{exp}", "start_time": 1700000000004},
             save={"run4": "run.info.run_id"}, label="generated name",
             norm=lambda b: drop_generated_name(b)),
        # Refused by tracker by design (the reference creates the run): sent to another experiment
        # so the searches of {exp} compare the same runs.
        Case(g, "POST", f"{API}/runs/create", {**good, "experiment_id": "{exp2}", "tags": "x"}, label="tags not a list"),
        # A run of that other experiment for the other by-design refusals (the reference keeps
        # what it accepts, which would otherwise show up in every later read of {run}).
        Case(g, "POST", f"{API}/runs/create", {**good, "experiment_id": "{exp2}", "run_name": "scratch"},
             save={"scratch": "run.info.run_id"}, label="scratch run"),
        Case(g, "POST", f"{API}/runs/create", {**good, "experiment_id": "{exp3}", "run_name": "in-restored"},
             label="restored experiment"),
    ]
    c += endpoint(g, "GET", f"{API}/runs/get", {"run_id": "{run}"}, {}, required=["run_id"],
                  unknown={"run_id": FAKE_RUN})
    c.append(Case(g, "GET", f"{API}/runs/get", query={"run_uuid": "{run}"}, label="run_uuid only"))
    lm = {"run_id": "{run}", "key": "acc", "value": 0.5, "timestamp": 1700000000000, "step": 1}
    c += endpoint(g, "POST", f"{API}/runs/log-metric", lm,
                  {"run_id": "str", "key": "str", "value": "float", "timestamp": "int", "step": "int"},
                  required=["run_id", "key", "value", "timestamp"], unknown={"run_id": FAKE_RUN})
    c += [
        Case(g, "POST", f"{API}/runs/log-metric", {**lm, "value": "NaN", "key": "nan"}, label="NaN"),
        Case(g, "POST", f"{API}/runs/log-metric", {**lm, "value": 0.75, "step": 2}, label="step 2"),
        Case(g, "POST", f"{API}/runs/log-metric", {**lm, "value": 0.8, "step": 3}, label="step 3"),
        Case(g, "POST", f"{API}/runs/log-metric", {**lm, "step": "7"}, label="step as string"),
        Case(g, "POST", f"{API}/runs/log-metric", {**lm, "key": LONG_KEY}, label="key over 250"),
        Case(g, "POST", f"{API}/runs/log-metric", {**lm, "key": "bad*key"}, label="bad key characters"),
        Case(g, "POST", f"{API}/runs/log-metric", {**lm, "key": "../up"}, label="key with .."),
        Case(g, "POST", f"{API}/runs/log-metric", {**lm, "run_uuid": "{run}", "run_id": None}, label="run_uuid only"),
    ]
    lp = {"run_id": "{run}", "key": "lr", "value": "0.1"}
    c += endpoint(g, "POST", f"{API}/runs/log-parameter", lp, {"run_id": "str", "key": "str", "value": "str"},
                  required=["run_id", "key"], unknown={"run_id": FAKE_RUN})
    c += [
        Case(g, "POST", f"{API}/runs/log-parameter", {**lp, "value": "0.2"}, label="changing a value"),
        Case(g, "POST", f"{API}/runs/log-parameter", lp, label="same value again"),
        Case(g, "POST", f"{API}/runs/log-parameter", {**lp, "key": "long", "value": "v" * 6001}, label="value over 6000"),
        Case(g, "POST", f"{API}/runs/log-parameter", {**lp, "key": LONG_KEY}, label="key over 250"),
    ]
    st = {"run_id": "{run}", "key": "stage", "value": "dev"}
    c += endpoint(g, "POST", f"{API}/runs/set-tag", st, {"run_id": "str", "key": "str", "value": "str"},
                  required=["run_id", "key"], unknown={"run_id": FAKE_RUN})
    c += [
        Case(g, "POST", f"{API}/runs/set-tag", {**st, "run_id": "{scratch}", "key": "big", "value": "v" * 8001},
             label="value over 8000"),
        Case(g, "POST", f"{API}/runs/set-tag", {**st, "key": "mlflow.runName", "value": "renamed"}, label="rename by tag"),
        Case(g, "POST", f"{API}/runs/set-tag", {**st, "key": "gone"}, label="tag to delete"),
    ]
    c += endpoint(g, "POST", f"{API}/runs/delete-tag", {"run_id": "{run}", "key": "gone"},
                  {"run_id": "str", "key": "str"}, required=["run_id", "key"], unknown={"run_id": FAKE_RUN},
                  good_last=True)
    c.append(Case(g, "POST", f"{API}/runs/delete-tag", {"run_id": "{run}", "key": "never"}, label="unknown tag"))
    lb = {"run_id": "{run2}", "metrics": [{"key": "m", "value": 1.5, "timestamp": 1700000000000, "step": 0}],
          "params": [{"key": "p", "value": "1"}], "tags": [{"key": "t2", "value": "x"}]}
    c += endpoint(g, "POST", f"{API}/runs/log-batch", lb,
                  {"run_id": "str", "metrics": "list", "params": "list", "tags": "list"},
                  required=["run_id"], unknown={"run_id": FAKE_RUN})
    metric = {"key": "m", "value": 1.0, "timestamp": 1700000000000, "step": 0}
    c += [
        Case(g, "POST", f"{API}/runs/log-batch", {"run_id": "{run2}", "metrics": [{"value": 1, "timestamp": 1}]},
             label="metric without key"),
        Case(g, "POST", f"{API}/runs/log-batch", {"run_id": "{run2}", "metrics": [{"key": "m", "value": 1}]},
             label="metric without timestamp"),
        Case(g, "POST", f"{API}/runs/log-batch", {"run_id": "{run2}", "metrics": [{"key": "m", "timestamp": 1}]},
             label="metric without value"),
        Case(g, "POST", f"{API}/runs/log-batch", {"run_id": "{run2}", "params": [{"value": "1"}]},
             label="param without key"),
        Case(g, "POST", f"{API}/runs/log-batch", {"run_id": "{run2}", "tags": [{"value": "1"}]}, label="tag without key"),
        Case(g, "POST", f"{API}/runs/log-batch",
             {"run_id": "{run2}", "metrics": [{**metric, "step": i} for i in range(1001)]}, label="1001 metrics"),
        Case(g, "POST", f"{API}/runs/log-batch",
             {"run_id": "{run2}", "params": [{"key": f"p{i}", "value": "1"} for i in range(101)]}, label="101 params"),
        Case(g, "POST", f"{API}/runs/log-batch",
             {"run_id": "{run2}", "tags": [{"key": f"t{i}", "value": "1"} for i in range(101)]}, label="101 tags"),
        Case(g, "POST", f"{API}/runs/log-batch",
             {"run_id": "{run2}", "metrics": [{**metric, "step": i} for i in range(950)],
              "params": [{"key": f"q{i}", "value": "1"} for i in range(60)]}, label="1010 in total"),
        Case(g, "POST", f"{API}/runs/log-batch", {"run_id": "{run2}", "params": [{"key": "p", "value": "2"}]},
             label="changing a param"),
        Case(g, "POST", f"{API}/runs/log-batch", {"run_id": "{run2}", "metrics": [{**metric, "key": LONG_KEY}]},
             label="metric key over 250"),
        Case(g, "POST", f"{API}/runs/log-batch", {"run_id": "{scratch}", "metrics": [{**metric, "value": "x"}]},
             label="metric value not a number"),
        Case(g, "POST", f"{API}/runs/log-batch",
             {"run_id": "{run2}", "metrics": [{**metric, "step": i, "value": i / 10} for i in range(5)]},
             label="five points"),
    ]
    up = {"run_id": "{run3}", "status": "FINISHED", "end_time": 1700000001000}
    c += endpoint(g, "POST", f"{API}/runs/update", up,
                  {"run_id": "str", "end_time": "int", "status": "str", "run_name": "str"}, required=["run_id"],
                  unknown={"run_id": FAKE_RUN}, good_last=True)
    c += [
        Case(g, "POST", f"{API}/runs/update", {**up, "run_id": "{scratch}", "status": "DONE"}, label="bad status"),
        Case(g, "POST", f"{API}/runs/update", {"run_id": "{run3}", "run_name": "renamed3"}, label="rename only"),
        Case(g, "POST", f"{API}/runs/update", {"run_id": "{run3}", "status": 4}, label="status by number"),
    ]
    c += endpoint(g, "POST", f"{API}/runs/delete", {"run_id": "{run4}"}, {"run_id": "str"}, required=["run_id"],
                  unknown={"run_id": FAKE_RUN}, good_last=True)
    c += [
        Case(g, "POST", f"{API}/runs/log-metric", {**lm, "run_id": "{run4}"}, label="log to a deleted run"),
        Case(g, "POST", f"{API}/runs/set-tag", {**st, "run_id": "{run4}"}, label="tag a deleted run"),
    ]
    c += endpoint(g, "POST", f"{API}/runs/restore", {"run_id": "{run4}"}, {"run_id": "str"}, required=["run_id"],
                  unknown={"run_id": FAKE_RUN}, good_last=True)
    c.append(Case(g, "GET", f"{API}/runs/get", query={"run_id": "{run2}"}, label="after log-batch"))
    # Name the run whose name each server invented, so that ordering by run name is the same.
    c.append(Case(g, "POST", f"{API}/runs/update", {"run_id": "{run4}", "run_name": "r4"}, label="name the generated-name run"))
    return c


def drop_generated_name(body):
    """The reference invents "adjective-noun-NNN" names; tracker invents its own (allow-listed)."""
    if isinstance(body, dict) and "run" in body:
        body["run"]["info"].pop("run_name", None)
        body["run"]["data"]["tags"] = [t for t in body["run"]["data"].get("tags", []) if t["key"] != "mlflow.runName"]
    return body


def run_search():
    g = "runs/search"
    s = f"{API}/runs/search"
    c = endpoint(g, "POST", s, {"experiment_ids": ["{exp}"]},
                 {"experiment_ids": "list", "filter": "str", "max_results": "int", "order_by": "list"})
    filters = ["metrics.acc > 0.5", "metrics.acc >= 0.8", "params.lr = '0.1'", "params.lr != '0.1'",
               "tags.stage = 'dev'", "attributes.status = 'FINISHED'", "attributes.run_name = 'r2'",
               "tags.t LIKE '1%'", "params.lr IS NULL", "metric.acc < 1 and params.lr = '0.1'",
               "acc > 1", "metrics.acc ~ 1", "attributes.start_time > 0", "run_name ILIKE 'R%'", "params.lr = 0.1"]
    c += [Case(g, "POST", s, {"experiment_ids": ["{exp}"], "filter": f}, label=f"filter {f}") for f in filters]
    orders = ["metrics.acc DESC", "params.lr", "attributes.run_name", "tags.stage DESC", "bogus", "metrics.acc SIDEWAYS"]
    c += [Case(g, "POST", s, {"experiment_ids": ["{exp}"], "order_by": [o]}, label=f"order {o}") for o in orders]
    c += [
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "max_results": 2}, save={"rtok": "next_page_token"},
             label="page 1"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "max_results": 2, "page_token": "{rtok}"}, label="page 2"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "max_results": 50001}, label="max_results over limit"),
        Case(g, "POST", s, {"experiment_ids": ["99999"]}, label="unknown experiment"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "run_view_type": "DELETED_ONLY"}, label="deleted only"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "run_view_type": "ALL", "order_by": ["attributes.run_name"]},
             label="all"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "page_token": "garbage"}, label="bad page token"),
    ]
    return c


def history():
    g = "metrics/get-history"
    h = f"{API}/metrics/get-history"
    c = endpoint(g, "GET", h, {"run_id": "{run}", "metric_key": "acc"}, {"max_results": "int"},
                 required=["run_id", "metric_key"], unknown={"run_id": FAKE_RUN, "metric_key": "nope"})
    c += [
        Case(g, "GET", h, query={"run_id": "{run}", "metric_key": "acc", "max_results": "2"},
             save={"htok": "next_page_token"}, label="page 1"),
        Case(g, "GET", h, query={"run_id": "{run}", "metric_key": "acc", "max_results": "2", "page_token": "{htok}"},
             label="page 2"),
        Case(g, "GET", h, query={"run_id": "{run}", "metric_key": "nan"}, label="NaN value"),
        Case(g, "GET", "/ajax-api/2.0/mlflow/metrics/get-history",
             query={"run_id": "{run2}", "metric_key": "m", "max_results": "3"}, save={"atok": "next_page_token"},
             label="ajax page 1"),
        Case(g, "GET", "/ajax-api/2.0/mlflow/metrics/get-history",
             query={"run_id": "{run2}", "metric_key": "m", "max_results": "3", "page_token": "{atok}"},
             label="ajax page 2"),
    ]
    return c


def artifacts():
    g = "mlflow-artifacts"
    base = "{exp}/{run}/artifacts"
    c = [
        Case(g, "PUT", f"{ART}/{base}/a.txt", raw=b"hello", label="upload"),
        Case(g, "PUT", f"{ART}/{base}/dir/b.json", raw=b'{"x": 1}', label="upload nested"),
        Case(g, "PUT", f"{ART}/{base}/dir/sub/c.bin", raw=b"\x00\x01", label="upload deeper"),
        Case(g, "GET", f"{ART}/{base}/a.txt", label="download"),
        Case(g, "GET", f"{ART}/{base}/dir/b.json", label="download nested"),
        Case(g, "GET", f"{ART}/{base}/missing.txt", label="download missing"),
        Case(g, "GET", ART, query={"path": base}, label="list root"),
        Case(g, "GET", ART, query={"path": base + "/dir"}, label="list dir"),
        Case(g, "GET", ART, query={"path": base + "/a.txt"}, label="list a file"),
        Case(g, "GET", ART, query={"path": base + "/nope"}, label="list missing"),
        Case(g, "GET", ART, query={"path": "../etc"}, label="list traversal"),
        Case(g, "GET", ART, query={"path": "/etc"}, label="list absolute"),
        Case(g, "GET", f"{ART}/{base}/..%2F..%2Fsecret", label="download traversal"),
        Case(g, "PUT", f"{ART}/{base}/..%2F..%2Fsecret", raw=b"x", label="upload traversal"),
        Case(g, "DELETE", f"{ART}/{base}/dir/sub/c.bin", label="delete"),
        Case(g, "DELETE", f"{ART}/{base}/never.txt", label="delete missing"),
        Case(g, "DELETE", f"{ART}/{base}/..%2F..%2Fsecret", label="delete traversal"),
        Case(g, "GET", ART, label="list without path"),
        Case(g, "GET", ART, query={"path": base + "/dir"}, label="list after delete"),
        Case(g, "GET", "/api/3.0/mlflow/server-info", label="server-info"),
    ]
    return c


def logged_models():
    g = "logged-models"
    p = f"{API}/logged-models"
    good = {"experiment_id": "{exp}", "name": "model", "source_run_id": "{run}", "model_type": "sk",
            "params": [{"key": "alpha", "value": "1"}], "tags": [{"key": "k", "value": "v"}]}
    c = endpoint(g, "POST", p, good, {"experiment_id": "str", "name": "str", "model_type": "str",
                                      "source_run_id": "str", "params": "list", "tags": "list"},
                 required=["experiment_id"], unknown={"experiment_id": "99999"}, good_last=True,
                 save={"model": "model.info.model_id"})
    c += [
        Case(g, "POST", p, {**good, "source_run_id": FOREIGN_RUN, "name": "foreign"}, save={"fmodel": "model.info.model_id"},
             label="source run of another server"),
        Case(g, "POST", p, {**good, "name": "second"}, save={"model2": "model.info.model_id"}, label="second"),
        Case(g, "GET", p + "/{model}", label="get"),
        Case(g, "GET", p + "/m-00000000000000000000000000000000", label="get unknown"),
        Case(g, "PATCH", p + "/{model}", {"model_id": "{model}", "status": "LOGGED_MODEL_READY"}, label="finalize"),
        Case(g, "PATCH", p + "/{model2}", {"model_id": "{model2}"}, label="finalize without status"),
        Case(g, "PATCH", p + "/{model2}", {"model_id": "{model2}", "status": "BOGUS"}, label="finalize bad status"),
        Case(g, "PATCH", p + "/m-00000000000000000000000000000000",
             {"model_id": "m-00000000000000000000000000000000", "status": "LOGGED_MODEL_READY"}, label="finalize unknown"),
        Case(g, "PATCH", p + "/{model}/tags", {"tags": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]},
             label="set tags"),
        Case(g, "PATCH", p + "/{model}/tags", {"tags": "x"}, label="tags not a list"),
        Case(g, "PATCH", p + "/m-00000000000000000000000000000000/tags", {"tags": [{"key": "a", "value": "1"}]},
             label="set tags unknown"),
        Case(g, "DELETE", p + "/{model}/tags/a", label="delete tag"),
        Case(g, "DELETE", p + "/{model}/tags/never", label="delete missing tag"),
        Case(g, "DELETE", p + "/m-00000000000000000000000000000000/tags/a", label="delete tag unknown model"),
        # Refused by tracker by design (the reference stores them under the empty key): on a logged
        # model of another experiment, so that reads of {exp}'s models compare the same params.
        Case(g, "POST", p, {**good, "experiment_id": "{exp2}", "name": "scratch"}, save={"smodel": "model.info.model_id"},
             label="scratch model"),
        Case(g, "PATCH", p + "/{smodel}/tags", {"tags": [{"value": "1"}]}, label="tag without key"),
        Case(g, "PATCH", p + "/{smodel}/tags", {"tags": [{"key": "n", "value": 5}]}, label="tag value a number"),
        Case(g, "GET", p + "/{smodel}", label="scratch model after a number as a tag value"),

        Case(g, "POST", p + "/{model}/params", {"model_id": "{model}", "params": [{"key": "beta", "value": "2"}]},
             label="log params"),
        Case(g, "POST", p + "/{model}/params", {"model_id": "{model}", "params": "x"}, label="params not a list"),
        Case(g, "POST", p + "/m-00000000000000000000000000000000/params",
             {"model_id": "m-00000000000000000000000000000000", "params": [{"key": "b", "value": "2"}]},
             label="params unknown"),
        Case(g, "POST", p + "/{smodel}/params", {"model_id": "{smodel}", "params": [{"value": "2"}]}, label="param without key"),
        Case(g, "GET", p + "/{model}", label="get after changes"),
        Case(g, "PUT", f"{ART}/{{exp}}/models/{{model}}/artifacts/MLmodel", raw=b"flavors: {}\n", label="upload"),
        Case(g, "PUT", f"{ART}/{{exp}}/models/{{model}}/artifacts/sub/x.txt", raw=b"x", label="upload nested"),
        Case(g, "GET", p + "/{model}/artifacts/directories", label="list root"),
        Case(g, "GET", p + "/{model}/artifacts/directories", query={"artifact_directory_path": "sub"}, label="list sub"),
        Case(g, "GET", p + "/m-00000000000000000000000000000000/artifacts/directories", label="list unknown model"),
        Case(g, "GET", p + "/{model}/artifacts/directories", query={"artifact_directory_path": "../x"}, label="list traversal"),
        Case(g, "PUT", f"{ART}/{{exp}}/models/m-00000000000000000000000000000000/artifacts/x.txt", raw=b"x",
             label="upload to unknown model"),
        Case(g, "GET", p + "/{model}/artifacts/files", query={"artifact_file_path": "MLmodel"}, label="download"),
        Case(g, "GET", p + "/{model}/artifacts/files", query={"artifact_file_path": "sub/x.txt"}, label="download nested"),
        Case(g, "GET", p + "/{model}/artifacts/files", query={"artifact_file_path": "nope"}, label="download missing"),
        Case(g, "GET", p + "/{model}/artifacts/files", label="download without path"),
        Case(g, "POST", f"{API}/runs/outputs", {"run_id": "{run}", "models": [{"model_id": "{model}", "step": 0}]},
             label="run outputs"),
        Case(g, "POST", f"{API}/runs/outputs", {"run_id": "{run}"}, label="run outputs without models"),
        Case(g, "POST", f"{API}/runs/outputs", {"run_id": FAKE_RUN, "models": [{"model_id": "{model}", "step": 0}]},
             label="run outputs unknown run"),
        Case(g, "POST", f"{API}/runs/outputs", {"models": [{"model_id": "{model}", "step": 0}]},
             label="run outputs without run"),
        Case(g, "POST", f"{API}/runs/outputs", {"run_id": "{run}", "models": "x"}, label="run outputs not a list"),
        Case(g, "GET", f"{API}/runs/get", query={"run_id": "{run}"}, label="run with outputs"),
    ]
    s = p + "/search"
    c += endpoint(g, "POST", s, {"experiment_ids": ["{exp}"]},
                  {"experiment_ids": "list", "filter": "str", "max_results": "int", "order_by": "list",
                   "page_token": "str"}, required=["experiment_ids"])
    c += [
        Case(g, "POST", s, {"experiment_ids": ["{exp}", "{exp}"]}, label="same experiment twice"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "filter": "name = 'model'"}, label="filter name"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "filter": "name = 'nope'"}, label="filter no match"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "filter": "bogus ~ 1"}, label="bad filter"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "max_results": 1}, save={"ltok": "next_page_token"},
             label="page 1"),
        Case(g, "POST", s, {"experiment_ids": ["{exp}"], "max_results": 1, "page_token": "{ltok}"}, label="page 2"),
        Case(g, "DELETE", p + "/{model2}", label="delete"),
        Case(g, "DELETE", p + "/{model2}", label="delete again"),
        Case(g, "DELETE", p + "/m-00000000000000000000000000000000", label="delete unknown"),
        Case(g, "GET", p + "/{model2}", label="get deleted"),
    ]
    return c


def registered_models():
    g = "registered-models"
    rm = f"{API}/registered-models"
    c = endpoint(g, "POST", rm + "/create", {"name": "rm1", "description": "d", "tags": [{"key": "k", "value": "v"}]},
                 {"name": "str", "tags": "list", "description": "str"}, required=["name"], good_last=True)
    c += [
        Case(g, "POST", rm + "/create", {"name": "rm1"}, label="duplicate"),
        Case(g, "POST", rm + "/create", {"name": "rm2"}, label="second"),
        Case(g, "POST", rm + "/create", {"name": "other"}, label="third"),
    ]
    c += endpoint(g, "GET", rm + "/get", {"name": "rm1"}, {}, required=["name"], unknown={"name": "nope"})
    c += endpoint(g, "PATCH", rm + "/update", {"name": "rm1", "description": "new"}, {"name": "str", "description": "str"},
                  required=["name"], unknown={"name": "nope"})
    c += endpoint(g, "POST", rm + "/rename", {"name": "other", "new_name": "other2"}, {"name": "str", "new_name": "str"},
                  required=["name", "new_name"], unknown={"name": "nope"}, good_last=True)
    c.append(Case(g, "POST", rm + "/rename", {"name": "other2", "new_name": "rm1"}, label="onto an existing name"))
    c += endpoint(g, "POST", rm + "/set-tag", {"name": "rm1", "key": "k2", "value": "v2"},
                  {"name": "str", "key": "str", "value": "str"}, required=["name", "key"], unknown={"name": "nope"})
    c.append(Case(g, "POST", rm + "/set-tag", {"name": "rm1", "key": LONG_KEY, "value": "v"}, label="key over 250"))
    c += endpoint(g, "DELETE", rm + "/delete-tag", {"name": "rm1", "key": "k2"}, {"name": "str", "key": "str"},
                  required=["name", "key"], unknown={"name": "nope"}, good_last=True)
    c.append(Case(g, "DELETE", rm + "/delete-tag", {"name": "rm1", "key": "never"}, label="unknown tag"))
    s = rm + "/search"
    c += endpoint(g, "GET", s, {"max_results": "10"}, {"max_results": "int"})
    for f in ["name = 'rm1'", "name LIKE 'rm%'", "name ILIKE 'RM%'", "tags.k = 'v'", "tag.`k` != 'v'",
              "tag.`mlflow.prompt.is_prompt` != 'true'", "bogus = 1", "name = rm1"]:
        c.append(Case(g, "GET", s, query={"filter": f}, label=f"filter {f}"))
    for o in ["name DESC", "name", "last_updated_timestamp DESC", "bogus"]:
        c.append(Case(g, "GET", s, query={"order_by": o}, label=f"order {o}"))
    c += [
        Case(g, "GET", s, query={"max_results": "1001"}, label="max_results over limit"),
        Case(g, "GET", s, query={"max_results": "1", "order_by": "name"}, save={"mtok": "next_page_token"}, label="page 1"),
        Case(g, "GET", s, query={"max_results": "1", "order_by": "name", "page_token": "{mtok}"}, label="page 2"),
        Case(g, "POST", s, {"filter": "name = 'rm1'"}, label="POST form"),
    ]
    c += endpoint(g, "DELETE", rm + "/delete", {"name": "other2"}, {"name": "str"}, required=["name"],
                  unknown={"name": "nope"}, good_last=True)
    return c


def model_versions():
    g = "model-versions"
    mv = f"{API}/model-versions"
    rm = f"{API}/registered-models"
    good = {"name": "rm1", "source": "runs:/{run}/model", "run_id": "{run}", "description": "v1",
            "tags": [{"key": "k", "value": "v"}]}
    c = endpoint(g, "POST", mv + "/create", good,
                 {"name": "str", "source": "str", "run_id": "str", "tags": "list", "description": "str", "model_id": "str"},
                 required=["name", "source"], unknown={"name": "nope"}, good_last=True)
    c += [
        Case(g, "POST", mv + "/create", {"name": "rm1", "source": "models:/{model}", "model_id": "{model}"},
             label="from a logged model"),
        Case(g, "GET", f"{API}/logged-models/{{model}}", label="logged model after registering"),
        Case(g, "POST", mv + "/create", {"name": "rm1", "source": "s3://bucket/model", "run_id": FOREIGN_RUN},
             label="run of another server"),
        Case(g, "POST", mv + "/create", {"name": "rm2", "source": "s3://bucket/other"}, label="no run at all"),
        Case(g, "POST", mv + "/create", {"name": "rm2", "source": "models:/{fmodel}", "model_id": "{fmodel}"},
             label="logged model with a foreign run"),
        # Accepted by tracker by design (the reference refuses): on a model of its own, so that the
        # searches of rm1 compare the same versions.
        Case(g, "POST", rm + "/create", {"name": "local-src"}, label="model for a local source"),
        Case(g, "POST", mv + "/create", {"name": "local-src", "source": "/etc/passwd", "run_id": "{run}"},
             label="local source with a run"),
    ]
    c += endpoint(g, "GET", mv + "/get", {"name": "rm1", "version": "1"}, {}, required=["name", "version"],
                  unknown={"name": "nope", "version": "99"})
    c.append(Case(g, "GET", mv + "/get", query={"name": "rm1", "version": "abc"}, label="non-numeric version"))
    c += endpoint(g, "PATCH", mv + "/update", {"name": "rm1", "version": "1", "description": "changed"},
                  {"name": "str", "version": "str", "description": "str"}, required=["name", "version"],
                  unknown={"name": "nope", "version": "99"})
    c += endpoint(g, "POST", mv + "/set-tag", {"name": "rm1", "version": "1", "key": "k2", "value": "v2"},
                  {"name": "str", "version": "str", "key": "str", "value": "str"}, required=["name", "version", "key"],
                  unknown={"name": "nope", "version": "99"})
    c += endpoint(g, "DELETE", mv + "/delete-tag", {"name": "rm1", "version": "1", "key": "k2"},
                  {"name": "str", "version": "str", "key": "str"}, required=["name", "version", "key"],
                  unknown={"name": "nope", "version": "99"}, good_last=True)
    c.append(Case(g, "DELETE", mv + "/delete-tag", {"name": "rm1", "version": "1", "key": "never"}, label="unknown tag"))
    ts = {"name": "rm1", "version": "1", "stage": "Staging", "archive_existing_versions": False}
    c += endpoint(g, "POST", mv + "/transition-stage", ts,
                  {"name": "str", "version": "str", "stage": "str", "archive_existing_versions": "bool"},
                  required=["name", "version", "stage"], unknown={"name": "nope", "version": "99"})
    c += [
        Case(g, "POST", mv + "/transition-stage", {**ts, "stage": "Sideways"}, label="bad stage"),
        Case(g, "POST", mv + "/transition-stage", {**ts, "version": "2", "stage": "staging",
                                                    "archive_existing_versions": True}, label="archive existing"),
        Case(g, "GET", mv + "/get", query={"name": "rm1", "version": "1"}, label="archived one"),
    ]
    c += endpoint(g, "GET", mv + "/get-download-uri", {"name": "rm1", "version": "1"}, {}, required=["name", "version"],
                  unknown={"name": "nope", "version": "99"})
    c.append(Case(g, "GET", mv + "/get-download-uri", query={"name": "rm1", "version": "2"}, label="from a logged model"))
    s = mv + "/search"
    c += endpoint(g, "GET", s, {"filter": "name = 'rm1'"}, {"max_results": "int"})
    for f in ["name = 'rm2'", "name LIKE 'rm%'", "run_id = '{run}'", "tags.k = 'v'", "version_number = 2",
              "bogus = 1", "name = rm1"]:
        c.append(Case(g, "GET", s, query={"filter": f}, label=f"filter {f}"))
    for o in ["version_number DESC", "version_number", "bogus"]:
        c.append(Case(g, "GET", s, query={"filter": "name = 'rm1'", "order_by": o}, label=f"order {o}"))
    c += [
        Case(g, "GET", s, query={"max_results": "200001"}, label="max_results over limit"),
        Case(g, "GET", s, query={"filter": "name = 'rm1'", "max_results": "1"}, save={"vtok": "next_page_token"},
             label="page 1"),
        Case(g, "GET", s, query={"filter": "name = 'rm1'", "max_results": "1", "page_token": "{vtok}"}, label="page 2"),
    ]
    # aliases and latest versions
    al = {"name": "rm1", "alias": "champion", "version": "1"}
    c += endpoint("aliases", "POST", rm + "/alias", al, {"name": "str", "alias": "str", "version": "str"},
                  required=["name", "alias", "version"], unknown={"name": "nope", "version": "99"})
    c += [
        Case("aliases", "POST", rm + "/alias", {**al, "alias": "a" * 256}, label="alias over 255"),
        Case("aliases", "POST", rm + "/alias", {**al, "alias": "v3"}, label="alias shaped like a version"),
        Case("aliases", "POST", rm + "/alias", {**al, "alias": "latest"}, label="reserved alias"),
    ]
    c += endpoint("aliases", "GET", rm + "/alias", {"name": "rm1", "alias": "champion"}, {}, required=["name", "alias"],
                  unknown={"name": "nope", "alias": "nope"})
    c.append(Case("aliases", "GET", rm + "/get", query={"name": "rm1"}, label="model with alias"))
    c += endpoint("aliases", "DELETE", rm + "/alias", {"name": "rm1", "alias": "champion"}, {"name": "str", "alias": "str"},
                  required=["name", "alias"], unknown={"name": "nope"}, good_last=True)
    c.append(Case("aliases", "DELETE", rm + "/alias", {"name": "rm1", "alias": "never"}, label="unknown alias"))
    gl = {"name": "rm1", "stages": ["Staging"]}
    c += endpoint("aliases", "POST", rm + "/get-latest-versions", gl, {"name": "str", "stages": "list"},
                  required=["name"], unknown={"name": "nope"})
    c += [
        Case("aliases", "POST", rm + "/get-latest-versions", {"name": "rm1"}, label="all stages"),
        Case("aliases", "POST", rm + "/get-latest-versions", {"name": "rm1", "stages": ["bogus"]}, label="bad stage"),
    ]
    c += endpoint(g, "DELETE", mv + "/delete", {"name": "rm2", "version": "1"}, {"name": "str", "version": "str"},
                  required=["name", "version"], unknown={"name": "nope", "version": "99"}, good_last=True)
    return c


def ajax():
    """Every route again under MLflow's UI prefix (a sample of each method and form)."""
    g = "ajax-api"
    a = "/ajax-api/2.0/mlflow"
    return [
        Case(g, "GET", f"{a}/experiments/get", query={"experiment_id": "{exp}"}, label="experiments/get"),
        Case(g, "GET", f"{a}/experiments/get-by-name", query={"experiment_name": "alpha"}, label="get-by-name"),
        Case(g, "POST", f"{a}/experiments/search", {"max_results": 10, "order_by": ["name"]}, label="experiments/search"),
        Case(g, "GET", f"{a}/experiments/search", query={"max_results": "10", "order_by": "name"}, label="GET search"),
        Case(g, "POST", f"{a}/experiments/create", {"name": 123}, label="experiments/create bad"),
        Case(g, "GET", f"{a}/runs/get", query={"run_id": "{run}"}, label="runs/get"),
        Case(g, "GET", f"{a}/runs/get", query={"run_id": FAKE_RUN}, label="runs/get unknown"),
        Case(g, "POST", f"{a}/runs/search", {"experiment_ids": ["{exp}"], "max_results": 2}, label="runs/search"),
        Case(g, "POST", f"{a}/runs/set-tag", {"run_id": "{run}", "key": "via", "value": "ajax"}, label="runs/set-tag"),
        Case(g, "GET", f"{a}/registered-models/search", query={"max_results": "5"}, label="registered-models/search"),
        Case(g, "GET", f"{a}/registered-models/get", query={"name": "rm1"}, label="registered-models/get"),
        Case(g, "GET", f"{a}/model-versions/search", query={"filter": "name = 'rm1'"}, label="model-versions/search"),
        Case(g, "GET", f"{a}/registered-models/alias", query={"name": "rm1", "alias": "nope"}, label="alias unknown"),
        Case(g, "GET", f"{a}/logged-models/{{model}}", label="logged-models get"),
        Case(g, "POST", f"{a}/logged-models/search", {"experiment_ids": ["{exp}"]}, label="logged-models search"),
        Case(g, "GET", "/ajax-api/2.0/mlflow-artifacts/artifacts", query={"path": "{exp}/{run}/artifacts"},
             label="artifact list"),
        Case(g, "GET", f"{a}/nope", label="unknown route"),
    ]


GROUPS = [
    ("experiments", experiments), ("experiments/search", experiment_search), ("runs", runs),
    ("runs/search", run_search), ("metrics/get-history", history), ("mlflow-artifacts", artifacts),
    ("logged-models", logged_models), ("registered-models", registered_models), ("model-versions", model_versions),
    ("ajax-api", ajax),
]
