# Databricks notebook source
# MAGIC %%writefile agent.py
# MAGIC import mlflow
# MAGIC
# MAGIC from agents.factory import create_agent
# MAGIC
# MAGIC config = {"prefix": "factory"}
# MAGIC mlflow.models.set_model(create_agent(config))

# COMMAND ----------

import mlflow

with mlflow.start_run():
    logged = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")
