# Databricks notebook source
import mlflow
from src.agents.support import SupportAgent

# COMMAND ----------

mlflow.models.set_model(SupportAgent(tier="gold"))
