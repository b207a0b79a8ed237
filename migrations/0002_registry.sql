-- 0002: model registry (models, versions, aliases, tags), offline metrics, gate policies,
-- the deployment ledger (append-only) and deployments (what was live where, when).

CREATE TABLE registered_models (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    description      TEXT    NOT NULL DEFAULT '',
    creation_time    INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL
) STRICT;

CREATE TABLE registered_model_tags (
    model_id INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (model_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE model_versions (
    id               INTEGER PRIMARY KEY,
    model_id         INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL CHECK (version >= 1),
    run_id           INTEGER REFERENCES runs (id),
    source           TEXT    NOT NULL DEFAULT '',
    artifact_path    TEXT,
    artifact_sha256  TEXT,
    description      TEXT    NOT NULL DEFAULT '',
    user_id          TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT 'READY',
    stage            TEXT    NOT NULL DEFAULT 'None',
    creation_time    INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL,
    UNIQUE (model_id, version)
) STRICT;

CREATE TABLE model_version_tags (
    version_id INTEGER NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    PRIMARY KEY (version_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE model_aliases (
    model_id   INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    alias      TEXT    NOT NULL,
    version_id INTEGER NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
    PRIMARY KEY (model_id, alias)
) STRICT, WITHOUT ROWID;

-- Offline results: the run's metrics snapshotted at registration (dataset '') and results
-- added later with `tracker model eval --dataset NAME`.
CREATE TABLE offline_metrics (
    version_id INTEGER NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
    dataset    TEXT    NOT NULL DEFAULT '',
    key        TEXT    NOT NULL,
    value      REAL,                                   -- NULL = NaN
    time       INTEGER NOT NULL,
    PRIMARY KEY (version_id, dataset, key)
) STRICT, WITHOUT ROWID;

-- One policy per (model, environment); `tracker gate set` replaces it.
CREATE TABLE gate_policies (
    model_id         INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    env              TEXT    NOT NULL,
    requires         TEXT    NOT NULL DEFAULT '[]',   -- JSON array of expressions
    must_beat        TEXT,                            -- metric name
    must_beat_margin REAL    NOT NULL DEFAULT 0,
    after_env        TEXT,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (model_id, env)
) STRICT, WITHOUT ROWID;

-- Every promotion and rollback, forever. Triggers refuse updates and deletes.
CREATE TABLE deployment_ledger (
    id           INTEGER PRIMARY KEY,
    model_id     INTEGER NOT NULL REFERENCES registered_models (id),
    env          TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('promote', 'rollback', 'force')),
    from_version INTEGER,
    to_version   INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    reason       TEXT    NOT NULL DEFAULT '',
    time         INTEGER NOT NULL,
    gates        TEXT    NOT NULL DEFAULT '[]'        -- JSON: each gate with pass/fail and numbers
) STRICT;
CREATE INDEX deployment_ledger_by_model_env ON deployment_ledger (model_id, env, id);

CREATE TRIGGER deployment_ledger_no_update BEFORE UPDATE ON deployment_ledger
BEGIN SELECT RAISE(ABORT, 'the deployment ledger is append-only'); END;
CREATE TRIGGER deployment_ledger_no_delete BEFORE DELETE ON deployment_ledger
BEGIN SELECT RAISE(ABORT, 'the deployment ledger is append-only'); END;

-- Intervals during which a version was live in an environment. ended_at NULL = live now.
CREATE TABLE deployments (
    id         INTEGER PRIMARY KEY,
    model_id   INTEGER NOT NULL REFERENCES registered_models (id),
    env        TEXT    NOT NULL,
    version_id INTEGER NOT NULL REFERENCES model_versions (id),
    ledger_id  INTEGER NOT NULL UNIQUE REFERENCES deployment_ledger (id),
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
) STRICT;
-- At most one current deployment per (model, environment), enforced by the schema.
CREATE UNIQUE INDEX deployments_one_current ON deployments (model_id, env) WHERE ended_at IS NULL;
CREATE INDEX deployments_by_time ON deployments (model_id, env, started_at);
