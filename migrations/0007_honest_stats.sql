-- 0007: honest statistics (issue 13).

-- A window's identity uses the version it counts for: a window sent without a version (and
-- attributed to v1) and re-sent with "version": 1 is the same window. `given_version` now holds
-- the attributed version (0 = unattributed); earlier copies of the same window are dropped, the
-- latest received wins.
DELETE FROM live_windows WHERE id IN (
    SELECT a.id FROM live_windows a JOIN live_windows b
      ON a.model_id = b.model_id AND a.env = b.env AND a.metric = b.metric AND a.start_time = b.start_time
     AND a.end_time = b.end_time AND coalesce(a.version, 0) = coalesce(b.version, 0) AND a.id <> b.id
     AND (a.received_at < b.received_at OR (a.received_at = b.received_at AND a.id < b.id)));
UPDATE live_windows SET given_version = coalesce(version, 0) WHERE given_version <> coalesce(version, 0);

-- Σ(x − mean)² of each window, so variances never come from Σx² − (Σx)²/n (which loses every
-- digit for a mean of 1e8 with a std of 1). Older rows get the best their sums allow.
ALTER TABLE live_windows ADD COLUMN m2 REAL NOT NULL DEFAULT 0;
UPDATE live_windows SET m2 = max(0, sum_sq - sum * sum / n) WHERE n > 0;

-- The label a prediction's score is the probability of, fixed when it was ingested: changing
-- the positive label later must not reinterpret old scores.
ALTER TABLE predictions ADD COLUMN score_label TEXT;
UPDATE predictions SET score_label = coalesce(
    (SELECT s.positive_label FROM live_settings s WHERE s.model_id = predictions.model_id), '1')
 WHERE score IS NOT NULL;

-- The model's task (NULL = inferred from the data) and class list (one label per line; NULL = the labels seen).
ALTER TABLE live_settings ADD COLUMN task TEXT CHECK (task IN ('classification', 'regression'));
ALTER TABLE live_settings ADD COLUMN classes TEXT;

-- Declared metric directions (`tracker live config NAME --direction METRIC=higher|lower`).
CREATE TABLE metric_directions (
    model_id  INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    metric    TEXT    NOT NULL,
    direction TEXT    NOT NULL CHECK (direction IN ('higher', 'lower')),
    PRIMARY KEY (model_id, metric)
) STRICT, WITHOUT ROWID;
