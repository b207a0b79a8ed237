-- 0003: what production reports. Aggregated windows (sufficient statistics, so windows combine
-- exactly), raw predictions with the outcomes joined onto them, and outcomes as received.
-- `version` is attributed at ingest from the deployment ledger; NULL means no version was live.

CREATE TABLE live_windows (
    id            INTEGER PRIMARY KEY,
    model_id      INTEGER NOT NULL REFERENCES registered_models (id),
    env           TEXT    NOT NULL,
    given_version INTEGER NOT NULL DEFAULT 0,      -- the version the sender named; 0 = attributed
    version       INTEGER,                         -- the version it counts for; NULL = unattributed
    metric        TEXT    NOT NULL,
    start_time    INTEGER NOT NULL,
    end_time      INTEGER NOT NULL,
    n             INTEGER NOT NULL CHECK (n >= 0),
    sum           REAL    NOT NULL,
    sum_sq        REAL    NOT NULL,
    received_at   INTEGER NOT NULL,
    CHECK (end_time >= start_time),
    -- The window is the identity: a resend replaces, never adds.
    UNIQUE (model_id, env, given_version, metric, start_time, end_time)
) STRICT;
CREATE INDEX live_windows_by_time ON live_windows (model_id, env, start_time);

-- Clustered by (model, env, time) so a time range is one sequential scan; ids are global.
CREATE TABLE predictions (
    model_id      INTEGER NOT NULL REFERENCES registered_models (id),
    env           TEXT    NOT NULL,
    time          INTEGER NOT NULL,
    id            TEXT    NOT NULL,
    version       INTEGER,
    label         TEXT,                            -- the prediction as a label ('1', 'churn', …)
    value         REAL,                            -- the prediction as a number, when it is one
    score         REAL,                            -- probability of the positive class, if given
    actual_label  TEXT,                            -- joined from outcomes
    actual_value  REAL,
    outcome_time  INTEGER,
    PRIMARY KEY (model_id, env, time, id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX predictions_by_id ON predictions (id);

-- Every outcome received (first one per id wins), including those whose prediction has not
-- arrived yet; joined onto the prediction when both are present.
CREATE TABLE outcomes (
    id          TEXT    PRIMARY KEY,
    label       TEXT,
    value       REAL,
    time        INTEGER NOT NULL,
    received_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Per-model settings for live metrics.
CREATE TABLE live_settings (
    model_id       INTEGER PRIMARY KEY REFERENCES registered_models (id),
    positive_label TEXT NOT NULL DEFAULT '1'
) STRICT;
