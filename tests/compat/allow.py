"""Differences accepted on purpose. Each entry: (group, regular expression over the case name
"METHOD PATH label" or the flow step, regular expression over the difference or None, why).
Anything else that differs fails the harness. (Normalisation also drops `workspace`,
`sqlstate` and `error_class` and generated run names: see harness.IGNORED_KEYS and
cases.drop_generated_name and harness.GENERATED_NAME.)

Every entry is by design and listed in the README's "Coming from MLflow" section. (Differences
found and not closed yet would be marked KNOWN GAP; there are none.)"""
import re

ANY = r"."


def cases(*names):
    """A pattern matching exactly these case names (no other case)."""
    return "^(" + "|".join(re.escape(n) for n in names) + ")$"


ALLOWED = [
    # --- by design ---------------------------------------------------------------------------
    (None, ANY, r"mlflow\.user|\"mlflow\.runName\", \"value\": \"[a-z]+-[a-z]+-\d+\"",
     "tracker records user_id as the mlflow.user tag (the client sends that tag itself anyway); "
     "generated run names differ"),
    (None, ANY, r"user_id: (only tracker has it|mlflow \"\" / tracker)",
     "tracker records who registered a version (the OS user) where the reference leaves it empty"),
    (None, ANY, r"model_id: only tracker has it",
     "tracker returns the logged model behind a version on every read; the reference only on create"),
    (None, ANY, r"\"latest\"|aliases: only tracker has it|\"alias\": \"latest\"",
     "tracker keeps a 'latest' alias on every registered model (its promote/rollback CLI resolves it)"),
    ("experiments", r"create duplicate name|update rename onto an existing name", r"^\$\.message:",
     "reference leaks its SQL statement into the message (same code and status)"),
    ("registered-models", r"rename onto an existing name", r"^\$\.message:", "reference leaks its SQL statement into the message"),
    ("client: tracking", r"create_experiment duplicate", r"^\$\.message:", "reference leaks its SQL statement into the message"),
    ("mlflow-artifacts", r"server-info", None, "tracker has no AI gateway; the client reads only the multipart flags"),
    ("logged-models", r"artifacts/files", None,
     "the issue asks for this download route; reference 3.17.2 has no GET route for it (404 HTML)"),
    ("registered-models", r"POST form", None, "tracker also accepts POST for registered-models/search (reference: 405)"),
    ("ajax-api", r"unknown route", None, "both 404; tracker answers JSON ENDPOINT_NOT_FOUND, the reference an HTML page"),
    ("runs", r"tags not a list|metric value not a number|set-tag value over 8000|update bad status",
     None, "tracker refuses malformed or over-limit input the reference silently ignores or truncates"),
    ("model-versions", r"local source with a run", None,
     "tracker accepts any source string (older clients send local paths); mlflow-api.md: be permissive"),
    (None, cases("GET /ajax-api/2.0/mlflow/registered-models/search registered-models/search",
                 "GET /api/2.0/mlflow/model-versions/search filter run_id = '{run}'"),
     r"latest_versions: only tracker has it \(\[\{\"name\": \"local-src\"|^\$\.model_versions: 2 items from mlflow, 3 from tracker",
     "the version with a local source (above) exists only on tracker"),
    ("model-versions", r"get-download-uri good", r"^\$\.artifact_uri:",
     "tracker resolves a runs:/ source to the run's artifact location; the reference hands the source back"),
    ("mlflow-artifacts", r"list after delete", None,
     "tracker deletes empty folders with their last file; the reference leaves the empty directory"),
    ("logged-models", r"delete again", None, "tracker deletes logged models for good; the reference soft-deletes"),
    ("logged-models", r"tags tag without key|params param without key", None,
     "tracker refuses a logged-model tag or param without a key; the reference stores it under the empty key"),
    ("logged-models", r"scratch model after a number as a tag value", None,
     "a number sent as a logged-model tag value is kept as its text where the reference stores an empty value; this "
     "read of the scratch model also shows the keyless tag the reference kept (above)"),
    ("logged-models", r"upload to unknown model", None,
     "artifacts of runs or logged models that do not exist are refused (files are indexed by owner in the database)"),
    ("metrics/get-history", cases("GET /ajax-api/2.0/mlflow/metrics/get-history ajax page 1",
                                  "GET /ajax-api/2.0/mlflow/metrics/get-history ajax page 2"), None,
     "README guarantee: a metric point re-sent with the same (run, key, step, time) replaces the earlier one, so "
     "re-ingesting a file or retrying a request is safe; the reference keeps a second point that differs only in value"),
]


def allowed(group, name, diff=""):
    """The reason a difference is accepted, or None."""
    for g, pattern, diff_pattern, why in ALLOWED:
        if g is not None and not re.fullmatch(g, group):
            continue
        if re.search(pattern, name) and (diff_pattern is None or re.search(diff_pattern, diff)):
            return why
    return None
