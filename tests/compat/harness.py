"""The differential harness's machinery: start both servers, send a case to each, normalise the
answers, compare. Cases live in cases.py, flows (the mlflow client) in flows.py, the allow-list
in allow.py."""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TRACKER = os.environ.get("TRACKER_BIN") or os.path.join(ROOT, ".build", "debug", "tracker")
MLFLOW = os.path.join(os.path.dirname(sys.executable), "mlflow")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tracker_db(backend, d):
    """tracker's `--db` for a backend: a SQLite file in `d`, or a fresh schema of the PostgreSQL at
    TRACKER_TEST_POSTGRES_URL (tracker creates the schema); None when that is unset."""
    if backend == "sqlite":
        return f"{d}/tracker.db"
    base = os.environ.get("TRACKER_TEST_POSTGRES_URL", "")
    if not base:
        return None
    return base + ("&" if "?" in base else "?") + "search_path=compat_" + os.path.basename(d).replace("-", "_").lower()


class Servers:
    """A real `mlflow server` (SQLite backend, proxied artifacts) and `tracker serve` on `backend`
    ("sqlite" or "postgres"), fresh state."""

    def __init__(self, backend="sqlite"):
        self.backend = backend
        self.tmp = tempfile.TemporaryDirectory(prefix="compat-")
        d = self.tmp.name
        db = tracker_db(backend, d)
        if db is None:
            self.tmp.cleanup()
            raise RuntimeError("TRACKER_TEST_POSTGRES_URL is unset")
        port = free_port()
        env = dict(os.environ, MLFLOW_TRACKING_URI="")
        self.mlflow_proc = subprocess.Popen(
            [MLFLOW, "server", "--backend-store-uri", f"sqlite:///{d}/mlflow.db", "--artifacts-destination",
             f"{d}/mlruns", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            stdout=open(f"{d}/mlflow.log", "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.mlflow = f"http://127.0.0.1:{port}"
        self.tracker_proc = subprocess.Popen(
            [TRACKER, "serve", "--db", db, "--port", "0", "--log-level", "warning"]
            + (["--artifacts", f"{d}/tracker-artifacts"] if backend == "postgres" else []),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.tracker_proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError("tracker serve did not start: " + line + self.tracker_proc.stderr.read())
        self.tracker = line.split("listening on ")[1].split(" ")[0]
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.mlflow + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception:
                time.sleep(0.2)
            if self.mlflow_proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("mlflow server did not start; see its log:\n" + open(f"{d}/mlflow.log").read()[-3000:])

    def stop(self):
        for p in (self.tracker_proc, self.mlflow_proc):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, 15) if p is self.mlflow_proc else p.terminate()
                    p.wait(timeout=10)
                except Exception:
                    p.kill()
        self.tmp.cleanup()


@dataclass
class Case:
    """One request sent to both servers. Strings may hold `{name}` placeholders filled from the
    server's own context (ids it handed out earlier); `save` names context entries to take from
    the JSON answer (`{"run": "run.info.run_id"}`)."""
    group: str
    method: str
    path: str
    body: Any = None
    query: dict | None = None
    raw: bytes | None = None
    save: dict = field(default_factory=dict)
    label: str = ""
    norm: Callable | None = None  # extra normaliser for this case (e.g. generated run names)


def fill(value, ctx):
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: str(ctx.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [fill(v, ctx) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ctx) for k, v in value.items()}
    return value


def dig(obj, path):
    for part in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)]
        else:
            obj = obj[part]
    return obj


def send(base, case, ctx):
    path = fill(case.path, ctx)
    url = base + path
    if case.query is not None:
        url += "?" + urllib.parse.urlencode(fill(case.query, ctx), doseq=True)
    data = case.raw
    if data is None and case.body is not None:
        data = json.dumps(fill(case.body, ctx)).encode()
    req = urllib.request.Request(url, data=data, method=case.method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = {"<non-json>": raw[:200].decode(errors="replace")}
    for name, p in case.save.items():
        try:
            ctx[name] = dig(body, p)
        except (KeyError, IndexError, TypeError):
            pass
    return status, body


# MARK: - normalisation

TIME_KEYS = re.compile(r"(time|timestamp|timestamp_ms)$")
HEX32 = re.compile(r"\b[0-9a-f]{32}\b")
MODEL_ID = re.compile(r"\bm-[0-9a-f]{32}\b")
EPOCH_MS = re.compile(r"\b1[0-9]{12}\b")
# A Python set of strings inside a message ("Valid keys are '{'name', 'run_id'}'"): the reference
# prints sets in an order that changes with each server start (string hashing is salted), so the
# items are compared sorted.
PYSET = re.compile(r"\{('(?:[^'\\]|\\.)*'(?:, '(?:[^'\\]|\\.)*')*)\}")
PYSET_ITEM = re.compile(r"'(?:[^'\\]|\\.)*'")
# Lists of {key, value} whose order the reference leaves to its database (no ORDER BY: SQLite
# happens to return rows in insertion order, other backends do not): compared sorted by key.
UNORDERED_KEY_VALUES = {"params", "tags"}
# Run names the servers invent ("adjective-noun-NNN"); each server has its own word lists.
GENERATED_NAME = re.compile(r"[a-z]+-[a-z]+-\d{1,3}")


def norm_string(s, ctx):
    s = PYSET.sub(lambda m: "{" + ", ".join(sorted(PYSET_ITEM.findall(m.group(1)))) + "}", s)
    # Longest first so a model id is replaced before a run id inside it.
    for name, value in sorted(ctx.items(), key=lambda kv: -len(str(kv[1]))):
        v = str(value)
        if len(v) >= 8:  # ids and tokens; short values (experiment ids) are compared as they are
            s = s.replace(v, "{" + name + "}")
    s = MODEL_ID.sub("<model-id>", s)
    s = HEX32.sub("<id>", s)
    return EPOCH_MS.sub("<time>", s)


def normalise(value, ctx, key=""):
    if isinstance(value, dict):
        return {k: normalise(v, ctx, k) for k, v in value.items() if k not in IGNORED_KEYS}
    if isinstance(value, list):
        items = [normalise(v, ctx) for v in value]
        if key in UNORDERED_KEY_VALUES and all(isinstance(v, dict) and "key" in v for v in items):
            items.sort(key=lambda kv: kv["key"])
        return items
    if key == "next_page_token" and value:
        return "<token>"
    if TIME_KEYS.search(key) and isinstance(value, (int, str)) and str(value).isdigit():
        return "<time>"
    if isinstance(value, str):
        return "<generated-name>" if GENERATED_NAME.fullmatch(value) else norm_string(value, ctx)
    return value


# Keys dropped before comparing, each with its reason (part of the allow-list).
IGNORED_KEYS = {
    # 3.x reference servers add these two to errors; optional, the client keys only on error_code.
    "sqlstate",
    "error_class",
    # The reference is workspace-aware and tags every entity "default"; tracker has no workspaces
    # and the client ignores the field.
    "workspace",
}


@dataclass
class Result:
    case: str
    group: str
    same: bool
    diff: str = ""


def first_difference(a, b, where="$"):
    if type(a) is not type(b):
        return f"{where}: mlflow {json.dumps(a)[:300]} / tracker {json.dumps(b)[:300]}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                return f"{where}.{k}: only mlflow has it ({json.dumps(a[k])[:200]})"
            if k not in a:
                return f"{where}.{k}: only tracker has it ({json.dumps(b[k])[:200]})"
            d = first_difference(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return ""
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items from mlflow, {len(b)} from tracker: {json.dumps(a)[:300]} / {json.dumps(b)[:300]}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{where}[{i}]")
            if d:
                return d
        return ""
    return "" if a == b else f"{where}: mlflow {json.dumps(a)[:300]} / tracker {json.dumps(b)[:300]}"


def compare_case(servers, case, ctxs):
    """Sends `case` to both servers; returns a Result (normalised status + body compared)."""
    sm, bm = send(servers.mlflow, case, ctxs[0])
    st, bt = send(servers.tracker, case, ctxs[1])
    nm = normalise(bm, ctxs[0])
    nt = normalise(bt, ctxs[1])
    if case.norm:
        nm, nt = case.norm(nm), case.norm(nt)
    name = f"{case.method} {case.path} {case.label}".strip()
    if os.environ.get("COMPAT_DUMP") and os.environ["COMPAT_DUMP"] in name:  # both answers, for tracing a difference
        print(f"\n== {name}\nmlflow  {sm} {json.dumps(nm)}\ntracker {st} {json.dumps(nt)}", file=sys.stderr)
    if sm != st:
        return Result(name, case.group, False, f"status mlflow {sm} / tracker {st}: {json.dumps(nm)[:300]} / {json.dumps(nt)[:300]}")
    d = first_difference(nm, nt)
    return Result(name, case.group, not d, d)
