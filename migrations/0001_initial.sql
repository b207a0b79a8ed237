-- 0001: experiments, runs, params, tags, metric history and latest metrics.
-- Times are integer milliseconds since the epoch, UTC. Metric values are REAL; NULL in a
-- metric value column means NaN (SQLite stores a bound NaN as NULL), ±Infinity are stored as is.

CREATE TABLE experiments (
    id                INTEGER PRIMARY KEY,            -- MLflow experiment_id; 0 is Default
    name              TEXT    NOT NULL UNIQUE,
    description       TEXT    NOT NULL DEFAULT '',
    artifact_location TEXT    NOT NULL DEFAULT '',
    lifecycle_stage   TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time     INTEGER NOT NULL,
    last_update_time  INTEGER NOT NULL
) STRICT;

INSERT INTO experiments (id, name, creation_time, last_update_time)
VALUES (0, 'Default',
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    key           TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    PRIMARY KEY (experiment_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,               -- internal key, used by child tables
    run_uuid        TEXT    NOT NULL UNIQUE CHECK (length(run_uuid) = 32),
    experiment_id   INTEGER NOT NULL REFERENCES experiments (id),
    name            TEXT    NOT NULL DEFAULT '',
    user_id         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'RUNNING'
                    CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
    start_time      INTEGER NOT NULL,
    end_time        INTEGER,
    lifecycle_stage TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    artifact_uri    TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time DESC);
CREATE INDEX runs_by_start ON runs (start_time DESC);

CREATE TABLE params (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key    TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    PRIMARY KEY (run_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX params_by_key ON params (key, value);

CREATE TABLE run_tags (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key    TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    PRIMARY KEY (run_id, key)
) STRICT, WITHOUT ROWID;

-- Metric names are interned: history rows carry a small integer instead of the text.
CREATE TABLE metric_keys (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL UNIQUE
) STRICT;

-- Full history. The key makes a re-sent point (same run, key, step, time) replace, not add.
CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key_id INTEGER NOT NULL REFERENCES metric_keys (id),
    step   INTEGER NOT NULL,
    time   INTEGER NOT NULL,
    value  REAL,                                        -- NULL = NaN
    PRIMARY KEY (run_id, key_id, step, time)
) STRICT, WITHOUT ROWID;

-- Latest value per (run, key): max step, then max time (MLflow's rule), kept on write.
CREATE TABLE latest_metrics (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key_id INTEGER NOT NULL REFERENCES metric_keys (id),
    step   INTEGER NOT NULL,
    time   INTEGER NOT NULL,
    value  REAL,                                        -- NULL = NaN
    PRIMARY KEY (run_id, key_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX latest_metrics_by_key ON latest_metrics (key_id, value);

CREATE TABLE artifacts (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    path   TEXT    NOT NULL,                            -- relative to the run's artifact root
    size   INTEGER NOT NULL,
    sha256 TEXT    NOT NULL,
    PRIMARY KEY (run_id, path)
) STRICT, WITHOUT ROWID;
