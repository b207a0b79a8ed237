-- 0004: alert thresholds for the weekly report, per model and metric ('' = every metric).
CREATE TABLE alert_settings (
    model_id       INTEGER NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    metric         TEXT    NOT NULL DEFAULT '',
    max_gap        REAL,          -- alert when live is worse than offline by more than this (relative)
    coverage_floor REAL,          -- alert when label coverage falls below this share (metric '' only)
    PRIMARY KEY (model_id, metric)
) STRICT, WITHOUT ROWID;
