"""Log params, metrics, tags and artifacts from a script run under `tracker run exec`.

Standard library only. Events are appended as JSON Lines to the file named by
$TRACKER_EVENTS, buffered and flushed at exit (and every `flush_every` events), so a crash
loses at most the unflushed tail. Outside `tracker run exec` every call is a no-op and one
warning is printed.

    import tracker_log as tl
    tl.log_param("lr", 0.01)
    for epoch in range(10):
        tl.log_metric("loss", loss, step=epoch)
    tl.log_metrics({"accuracy": 0.93, "f1": 0.88})
    tl.set_tag("model", "gbm")
    tl.log_artifact("model.pkl")
"""

import atexit
import json
import math
import os
import sys
import threading
import time

__all__ = ["log_param", "log_params", "log_metric", "log_metrics", "set_tag", "log_artifact", "flush", "run_id"]

_EVENTS = os.environ.get("TRACKER_EVENTS")
_lock = threading.Lock()
_buffer = []
_warned = False
flush_every = 1000


def run_id():
    """The id of the run this script logs to, or None outside `tracker run exec`."""
    return os.environ.get("TRACKER_RUN_ID")


def _number(value):
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _emit(event):
    global _warned
    if not _EVENTS:
        if not _warned:
            _warned = True
            print("tracker_log: not running under 'tracker run exec' ($TRACKER_EVENTS is unset); nothing is logged", file=sys.stderr)
        return
    line = json.dumps(event, separators=(",", ":"), allow_nan=False)
    with _lock:
        _buffer.append(line)
        if len(_buffer) >= flush_every:
            _flush_locked()


def _flush_locked():
    if not _buffer or not _EVENTS:
        return
    data = "\n".join(_buffer) + "\n"
    _buffer.clear()
    # One write of whole lines in append mode: the reader never sees half an event.
    with open(_EVENTS, "a", encoding="utf-8") as f:
        f.write(data)
        f.flush()


def flush():
    """Write buffered events to $TRACKER_EVENTS now."""
    with _lock:
        _flush_locked()


def log_param(key, value):
    """Log a param; its value cannot change once set."""
    _emit({"type": "param", "key": str(key), "value": str(value)})


def log_params(params):
    """Log several params from a dict."""
    for k, v in params.items():
        log_param(k, v)


def now_ms():
    """Epoch milliseconds now, shifted by $TRACKER_CLOCK_OFFSET (-30d, -2h, 90s, 1500ms) as tracker's clock is."""
    text = os.environ.get("TRACKER_CLOCK_OFFSET", "")
    for unit, scale in (("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)):
        if text.endswith(unit):
            try:
                return int(time.time() * 1000) + int(text[: -len(unit)]) * scale
            except ValueError:
                break
    return int(time.time() * 1000)


def log_metric(key, value, step=None):
    """Log one metric value (NaN and infinities are kept)."""
    event = {"type": "metric", "key": str(key), "value": _number(value), "time": now_ms()}
    if step is not None:
        event["step"] = int(step)
    _emit(event)


def log_metrics(metrics, step=None):
    """Log several metric values from a dict, at one step."""
    for k, v in metrics.items():
        log_metric(k, v, step=step)


def set_tag(key, value):
    """Set a tag on the run."""
    _emit({"type": "tag", "key": str(key), "value": str(value)})


def log_artifact(path, name=None):
    """Record a file or folder as an artifact (copied into the artifact store by tracker)."""
    event = {"type": "artifact", "path": os.path.abspath(str(path))}
    if name:
        event["name"] = str(name)
    _emit(event)
    flush()


atexit.register(flush)
