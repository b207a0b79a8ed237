-- 0006: the Default experiment (0) was created without an artifact location, so its runs got
-- artifact URIs like "/<run>/artifacts" that the MLflow client cannot resolve. Give it the
-- proxied location every other experiment has, and fix the runs already made in it.
UPDATE experiments SET artifact_location = 'mlflow-artifacts:/0' WHERE id = 0 AND artifact_location = '';
UPDATE runs SET artifact_uri = 'mlflow-artifacts:/0' || artifact_uri WHERE experiment_id = 0 AND artifact_uri LIKE '/%';
