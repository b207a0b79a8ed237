PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE experiments (
    id                INTEGER PRIMARY KEY,            -- MLflow experiment_id; 0 is Default
    name              TEXT    NOT NULL UNIQUE,
    description       TEXT    NOT NULL DEFAULT '',
    artifact_location TEXT    NOT NULL DEFAULT '',
    lifecycle_stage   TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time     INTEGER NOT NULL,
    last_update_time  INTEGER NOT NULL
) STRICT;
INSERT INTO experiments VALUES(0,'Default','','','active',1764000000000,1764000000000);
INSERT INTO experiments VALUES(1,'churn','first experiment','mlflow-artifacts:/1','active',1764000000000,1764000000000);
CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    key           TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    PRIMARY KEY (experiment_id, key)
) STRICT, WITHOUT ROWID;
INSERT INTO experiment_tags VALUES(1,'team','growth');
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
INSERT INTO runs VALUES(1,'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',1,'lr-0.01','dana','FINISHED',1764000000000,1764000600000,'active','mlflow-artifacts:/1/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/artifacts');
INSERT INTO runs VALUES(2,'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',0,'default-run','dana','RUNNING',1764000700000,NULL,'active','mlflow-artifacts:/0/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/artifacts');
CREATE TABLE params (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key    TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    PRIMARY KEY (run_id, key)
) STRICT, WITHOUT ROWID;
INSERT INTO params VALUES(1,'lr','0.01');
INSERT INTO params VALUES(1,'model','gbm');
CREATE TABLE run_tags (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key    TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    PRIMARY KEY (run_id, key)
) STRICT, WITHOUT ROWID;
INSERT INTO run_tags VALUES(1,'mlflow.runName','lr-0.01');
INSERT INTO run_tags VALUES(2,'mlflow.runName','default-run');
CREATE TABLE metric_keys (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL UNIQUE
) STRICT;
INSERT INTO metric_keys VALUES(1,'loss');
INSERT INTO metric_keys VALUES(2,'accuracy');
CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key_id INTEGER NOT NULL REFERENCES metric_keys (id),
    step   INTEGER NOT NULL,
    time   INTEGER NOT NULL,
    value  REAL,                                        -- NULL = NaN
    PRIMARY KEY (run_id, key_id, step, time)
) STRICT, WITHOUT ROWID;
INSERT INTO metrics VALUES(1,1,0,1764000000001,0.9000000000000000222);
INSERT INTO metrics VALUES(1,1,1,1764000000002,0.5);
INSERT INTO metrics VALUES(1,1,2,1764000000003,NULL);
INSERT INTO metrics VALUES(1,2,0,1764000000004,0.93000000000000004884);
INSERT INTO metrics VALUES(2,1,0,1764000700001,1e999);
CREATE TABLE latest_metrics (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key_id INTEGER NOT NULL REFERENCES metric_keys (id),
    step   INTEGER NOT NULL,
    time   INTEGER NOT NULL,
    value  REAL,                                        -- NULL = NaN
    PRIMARY KEY (run_id, key_id)
) STRICT, WITHOUT ROWID;
INSERT INTO latest_metrics VALUES(1,1,2,1764000000003,NULL);
INSERT INTO latest_metrics VALUES(1,2,0,1764000000004,0.93000000000000004884);
INSERT INTO latest_metrics VALUES(2,1,0,1764000700001,1e999);
CREATE TABLE artifacts (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    path   TEXT    NOT NULL,                            -- relative to the run's artifact root
    size   INTEGER NOT NULL,
    sha256 TEXT    NOT NULL,
    PRIMARY KEY (run_id, path)
) STRICT, WITHOUT ROWID;
INSERT INTO artifacts VALUES(1,'model/model.pkl',7,'9a129038d9a00aed0cf6a7ea059ca50a813449061ab87848cf1a13eafdf33b2c');
CREATE TABLE schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL,
            checksum   TEXT    NOT NULL,
            applied_at INTEGER NOT NULL
        ) STRICT;
INSERT INTO schema_migrations VALUES(1,'initial','fab5e81ffa7beb25edcc41af00e3d8c50eb23346cf19d710722cc8863605a3f8',1764000000000);
CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time DESC);
CREATE INDEX runs_by_start ON runs (start_time DESC);
CREATE INDEX params_by_key ON params (key, value);
CREATE INDEX latest_metrics_by_key ON latest_metrics (key_id, value);
COMMIT;
