"""Model Serving loads this file."""

import mlflow

from agents.factory import create_agent

config = {"prefix": "factory"}
mlflow.models.set_model(create_agent(config))
