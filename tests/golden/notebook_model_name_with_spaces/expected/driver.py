# Databricks notebook source
import mlflow

# COMMAND ----------

with mlflow.start_run():
    # TODO(migrate-agent): [MA007] `mlflow.pyfunc.log_model` logs the agent for Model Serving; after the migration the agent serves a Databricks App (no set_model, no PythonModel), so the logged model would not load: deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
    info = mlflow.pyfunc.log_model(name="agent", python_model="./agent notebook")
