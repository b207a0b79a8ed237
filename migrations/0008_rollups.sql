-- 0008: hourly rollups of predictions and outcomes (issue 17), kept in the ingest transaction so
-- the gap and the weekly report read a few rows per hour instead of every prediction, and raw
-- rows can be pruned. Keys: (model, env, version, hour) with version 0 = unattributed and
-- hour = prediction time in ms / 3,600,000 (floor), computed by the tracker.

CREATE TABLE live_rollups (
    model_id      INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    env           TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    hour          INTEGER NOT NULL,
    predictions   INTEGER NOT NULL DEFAULT 0,
    labeled       INTEGER NOT NULL DEFAULT 0,
    correct       INTEGER NOT NULL DEFAULT 0,
    tp            INTEGER NOT NULL DEFAULT 0,             -- for the positive label in live_rollup_state
    fp            INTEGER NOT NULL DEFAULT 0,
    fn            INTEGER NOT NULL DEFAULT 0,
    non_integral  INTEGER NOT NULL DEFAULT 0,
    ll_n          INTEGER NOT NULL DEFAULT 0,             -- log loss: n, Σx, Σx², Σx³
    ll_s1         REAL    NOT NULL DEFAULT 0,
    ll_s2         REAL    NOT NULL DEFAULT 0,
    ll_s3         REAL    NOT NULL DEFAULT 0,
    err_sum       REAL    NOT NULL DEFAULT 0,             -- Σ(prediction − actual)
    abs_n         INTEGER NOT NULL DEFAULT 0,             -- |error|: n, Σ, Σ², Σ³
    abs_s1        REAL    NOT NULL DEFAULT 0,
    abs_s2        REAL    NOT NULL DEFAULT 0,
    abs_s3        REAL    NOT NULL DEFAULT 0,
    sq_s2         REAL    NOT NULL DEFAULT 0,             -- error²: Σ(e²)², Σ(e²)³ (Σe² is abs_s2)
    sq_s3         REAL    NOT NULL DEFAULT 0,
    pct_n         INTEGER NOT NULL DEFAULT 0,             -- |error|/|actual|: n, Σ, Σ², Σ³
    pct_s1        REAL    NOT NULL DEFAULT 0,
    pct_s2        REAL    NOT NULL DEFAULT 0,
    pct_s3        REAL    NOT NULL DEFAULT 0,
    zero_actuals  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (model_id, env, version, hour)
) STRICT, WITHOUT ROWID;

-- Labeled predictions per (actual, predicted) label: multi-class F1 and the class list.
CREATE TABLE live_rollup_confusion (
    model_id  INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    env       TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    hour      INTEGER NOT NULL,
    actual    TEXT    NOT NULL,
    predicted TEXT    NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (model_id, env, version, hour, actual, predicted)
) STRICT, WITHOUT ROWID;

-- Scores of labeled predictions as a 1000-bin histogram per class (LEB128 varints of (bins
-- skipped, positives, negatives) per non-empty bin): ROC AUC with a stated error bound once
-- raw rows are gone. A rowid table: a histogram of ~2 KB fits in its page, where a WITHOUT ROWID
-- row spills past ~1 KB into an overflow page of its own (twice the bytes).
CREATE TABLE live_rollup_scores (
    model_id  INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    env       TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    hour      INTEGER NOT NULL,
    histogram BLOB    NOT NULL,
    PRIMARY KEY (model_id, env, version, hour)
) STRICT;

-- Scores ingested for another label than the rollups' positive one, converted (1 − score).
CREATE TABLE live_rollup_converted (
    model_id   INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    env        TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    hour       INTEGER NOT NULL,
    from_label TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (model_id, env, version, hour, from_label)
) STRICT, WITHOUT ROWID;

-- Per model: the positive label the rollups count for, whether they are being rebuilt (and
-- how far: the last prediction key done), and the hour before which raw rows were pruned.
CREATE TABLE live_rollup_state (
    model_id       INTEGER PRIMARY KEY REFERENCES registered_models (id) ON DELETE CASCADE,
    positive_label TEXT    NOT NULL,
    rebuilding     INTEGER NOT NULL DEFAULT 0,
    cursor_env     TEXT,
    cursor_time    INTEGER,
    cursor_id      TEXT,
    pruned_before  INTEGER                                -- hour; NULL = nothing pruned
) STRICT;

-- Models with predictions from before rollups existed are rebuilt by the tracker right after
-- this migration (`tracker db migrate`, or `tracker live rebuild-rollups` to resume).
INSERT INTO live_rollup_state (model_id, positive_label, rebuilding)
SELECT m.id, coalesce((SELECT s.positive_label FROM live_settings s WHERE s.model_id = m.id), '1'), 1
  FROM registered_models m WHERE EXISTS (SELECT 1 FROM predictions p WHERE p.model_id = m.id);
