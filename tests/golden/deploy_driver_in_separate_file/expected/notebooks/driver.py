# Databricks notebook source
import mlflow
from mlflow.models.resources import DatabricksServingEndpoint, DatabricksVectorSearchIndex

from agent import LLM_ENDPOINT_NAME, VECTOR_INDEX

# COMMAND ----------

resources = [DatabricksServingEndpoint(endpoint_name=LLM_ENDPOINT_NAME)]
resources.append(DatabricksVectorSearchIndex(index_name=VECTOR_INDEX))

with mlflow.start_run():
    logged = mlflow.pyfunc.log_model(
        name="agent",
        python_model="../agent.py",
        model_config="../config.yml",
        resources=resources,
        registered_model_name="main.docs.docs_agent",
    )
