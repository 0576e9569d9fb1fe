import mlflow
from databricks import agents

with mlflow.start_run():
    # TODO(migrate-agent): [MA007] `mlflow.pyfunc.log_model` logs `agent.py` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the logged model would not load: deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
    logged = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")

UC_MODEL = "main.agents.answer_agent"
# TODO(migrate-agent): [MA007] `mlflow.register_model(logged.model_uri, ...)` registers the Model Serving model, which the app does not use (it runs from source): deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
registered = mlflow.register_model(logged.model_uri, UC_MODEL)
# TODO(migrate-agent): [MA007] `agents.deploy(UC_MODEL, ...)` deploys to Model Serving, which the Databricks App replaces: deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
agents.deploy(UC_MODEL, registered.version)
