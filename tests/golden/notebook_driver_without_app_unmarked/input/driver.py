# Databricks notebook source
# MAGIC %pip install -U mlflow databricks-agents

# COMMAND ----------

dbutils.library.restartPython()

# COMMAND ----------

import mlflow
from databricks import agents

mlflow.set_registry_uri("databricks-uc")
UC_MODEL = "main.agents.odd"

# COMMAND ----------

with mlflow.start_run():
    logged = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")

# COMMAND ----------

registered = mlflow.register_model(logged.model_uri, UC_MODEL)
agents.deploy(UC_MODEL, registered.version)
