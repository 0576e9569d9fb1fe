import mlflow
from mlflow.models import infer_signature

EXAMPLE = {"messages": [{"role": "user", "content": "What is MLflow?"}]}

with mlflow.start_run():
    # TODO(migrate-agent): [MA007] `mlflow.pyfunc.log_model` logs `agent.py` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the logged model would not load: deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        signature=infer_signature(EXAMPLE),
    )
