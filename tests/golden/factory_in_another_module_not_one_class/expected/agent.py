"""Model Serving loads this file."""

import mlflow

from agents.factory import create_agent

config = {"prefix": "factory"}
# TODO(migrate-agent): [MA001] the factory `create_agent` (agents/factory.py:22) does not always return an instance of one agent class (`return Cls(...)`, or a name assigned `Cls(...)`): export an instance of one class, `mlflow.models.set_model(Cls(...))`, then run migrate-agent again; convert this export by hand (see README, 'What is migrated')
mlflow.models.set_model(create_agent(config))
