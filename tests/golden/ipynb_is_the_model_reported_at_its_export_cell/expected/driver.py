# Databricks notebook source
import mlflow

# COMMAND ----------

with mlflow.start_run():
    info = mlflow.pyfunc.log_model(name="agent", python_model="agent_notebook.ipynb")
