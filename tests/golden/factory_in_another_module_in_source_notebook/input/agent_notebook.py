# Databricks notebook source
import mlflow
from agents.factory import create_agent

# COMMAND ----------

config = {"prefix": "factory"}
mlflow.models.set_model(create_agent(config))
