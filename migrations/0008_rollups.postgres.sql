-- 0008 on PostgreSQL: the SQLite text with PostgreSQL's types (BIGINT, DOUBLE PRECISION, BYTEA)
-- and no STRICT / WITHOUT ROWID. 0008: hourly rollups of predictions and outcomes (issue 17), kept in the ingest transaction so
-- the gap and the weekly report read a few rows per hour instead of every prediction, and raw
-- rows can be pruned. Keys: (model, env, version, hour) with version 0 = unattributed and
-- hour = prediction time in ms / 3,600,000 (floor), computed by the tracker.

CREATE TABLE live_rollups (
    model_id      BIGINT NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    env           TEXT    NOT NULL,
    version       BIGINT NOT NULL,
    hour          BIGINT NOT NULL,
    predictions   BIGINT NOT NULL DEFAULT 0,
    labeled       BIGINT NOT NULL DEFAULT 0,
    correct       BIGINT NOT NULL DEFAULT 0,
    tp            BIGINT NOT NULL DEFAULT 0,             -- for the positive label in live_rollup_state
    fp            BIGINT NOT NULL DEFAULT 0,
    fn            BIGINT NOT NULL DEFAULT 0,
    non_integral  BIGINT NOT NULL DEFAULT 0,
    ll_n          BIGINT NOT NULL DEFAULT 0,             -- log loss: n, Σx, Σx², Σx³
    ll_s1         DOUBLE PRECISION    NOT NULL DEFAULT 0,
    ll_s2         DOUBLE PRECISION    NOT NULL DEFAULT 0,
    ll_s3         DOUBLE PRECISION    NOT NULL DEFAULT 0,
    err_sum       DOUBLE PRECISION    NOT NULL DEFAULT 0,             -- Σ(prediction − actual)
    abs_n         BIGINT NOT NULL DEFAULT 0,             -- |error|: n, Σ, Σ², Σ³
    abs_s1        DOUBLE PRECISION    NOT NULL DEFAULT 0,
    abs_s2        DOUBLE PRECISION    NOT NULL DEFAULT 0,
    abs_s3        DOUBLE PRECISION    NOT NULL DEFAULT 0,
    sq_s2         DOUBLE PRECISION    NOT NULL DEFAULT 0,             -- error²: Σ(e²)², Σ(e²)³ (Σe² is abs_s2)
    sq_s3         DOUBLE PRECISION    NOT NULL DEFAULT 0,
    pct_n         BIGINT NOT NULL DEFAULT 0,             -- |error|/|actual|: n, Σ, Σ², Σ³
    pct_s1        DOUBLE PRECISION    NOT NULL DEFAULT 0,
    pct_s2        DOUBLE PRECISION    NOT NULL DEFAULT 0,
    pct_s3        DOUBLE PRECISION    NOT NULL DEFAULT 0,
    zero_actuals  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (model_id, env, version, hour)
);

-- Labeled predictions per (actual, predicted) label: multi-class F1 and the class list.
CREATE TABLE live_rollup_confusion (
    model_id  BIGINT NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    env       TEXT    NOT NULL,
    version   BIGINT NOT NULL,
    hour      BIGINT NOT NULL,
    actual    TEXT    NOT NULL,
    predicted TEXT    NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (model_id, env, version, hour, actual, predicted)
);

-- Scores of labeled predictions as a 1000-bin histogram per class (LEB128 varints of (bins
-- skipped, positives, negatives) per non-empty bin): ROC AUC with a stated error bound once
-- raw rows are gone.
CREATE TABLE live_rollup_scores (
    model_id  BIGINT NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    env       TEXT    NOT NULL,
    version   BIGINT NOT NULL,
    hour      BIGINT NOT NULL,
    histogram BYTEA    NOT NULL,
    PRIMARY KEY (model_id, env, version, hour)
);

-- Scores ingested for another label than the rollups' positive one, converted (1 − score).
CREATE TABLE live_rollup_converted (
    model_id   BIGINT NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    env        TEXT    NOT NULL,
    version    BIGINT NOT NULL,
    hour       BIGINT NOT NULL,
    from_label TEXT    NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (model_id, env, version, hour, from_label)
);

-- Per model: the positive label the rollups count for, whether they are being rebuilt (and
-- how far: the last prediction key done), and the hour before which raw rows were pruned.
CREATE TABLE live_rollup_state (
    model_id       BIGINT PRIMARY KEY REFERENCES registered_models (id) ON DELETE CASCADE,
    positive_label TEXT    NOT NULL,
    rebuilding     BIGINT NOT NULL DEFAULT 0,
    cursor_env     TEXT,
    cursor_time    BIGINT,
    cursor_id      TEXT,
    pruned_before  BIGINT                                -- hour; NULL = nothing pruned
);

-- Models with predictions from before rollups existed are rebuilt by the tracker right after
-- this migration (`tracker db migrate`, or `tracker live rebuild-rollups` to resume).
INSERT INTO live_rollup_state (model_id, positive_label, rebuilding)
SELECT m.id, coalesce((SELECT s.positive_label FROM live_settings s WHERE s.model_id = m.id), '1'), 1
  FROM registered_models m WHERE EXISTS (SELECT 1 FROM predictions p WHERE p.model_id = m.id);
