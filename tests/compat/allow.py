"""Differences accepted on purpose. Each entry: (group, regular expression over the case name
"METHOD PATH label" or the flow step), and why the difference is acceptable. Anything else that
differs fails the harness. (Normalisation also drops `workspace`, `sqlstate` and `error_class`
and generated run names: see harness.IGNORED_KEYS and cases.drop_generated_name.)"""
import re

ALLOWED = [
    # The reference's duplicate-name message embeds its SQLAlchemy error and SQL statement;
    # tracker says "Experiment(name=…) already exists." with the same code and status.
    ("experiments", r"experiments/create duplicate name", "reference leaks its SQL statement into the message"),
    ("client: tracking", r"create_experiment duplicate", "reference leaks its SQL statement into the message"),
    # Tracker's filter/order-by parser words syntax errors itself (column and fix); the status and
    # error_code (400 INVALID_PARAMETER_VALUE) are the reference's.
    ("runs/search", r"filter (acc > 1|metrics\.acc ~ 1|params\.lr = 0\.1)$|order (bogus|metrics\.acc SIDEWAYS)$",
     "filter syntax errors: same code, tracker's own wording"),
    ("client: tracking", r"search_runs bad filter", "filter syntax errors: same code, tracker's own wording"),
    # No AI gateway in tracker: server-info omits features_enabled; the client reads only the
    # multipart flags from it.
    ("mlflow-artifacts", r"server-info", "tracker has no AI gateway"),
]


def allowed(group, name):
    """The reason a difference is accepted, or None."""
    for g, pattern, why in ALLOWED:
        if g == group and re.search(pattern, name):
            return why
    return None
