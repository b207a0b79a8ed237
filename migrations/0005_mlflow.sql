-- 0005: what the MLflow REST API needs beyond the CLI's model: MLflow 3 logged models (with
-- their tags, params and artifact files), run outputs, and the logged model behind a version.

ALTER TABLE model_versions ADD COLUMN logged_model_id TEXT;

CREATE TABLE logged_models (
    id               TEXT    PRIMARY KEY,               -- "m-" + 32 hex
    experiment_id    INTEGER NOT NULL REFERENCES experiments (id),
    name             TEXT    NOT NULL,
    source_run_id    TEXT,                              -- run_uuid
    model_type       TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT 'LOGGED_MODEL_PENDING',
    creation_time    INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL
) STRICT;
CREATE INDEX logged_models_by_name ON logged_models (experiment_id, name);

CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE logged_model_artifacts (
    model_id TEXT    NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    path     TEXT    NOT NULL,
    size     INTEGER NOT NULL,
    sha256   TEXT    NOT NULL,
    PRIMARY KEY (model_id, path)
) STRICT, WITHOUT ROWID;

CREATE TABLE run_outputs (
    run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    model_id TEXT    NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    step     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, model_id)
) STRICT, WITHOUT ROWID;
