"""Model Serving loads this file: it exports the supervisor."""

import mlflow

from supervisor import Supervisor

AGENT = Supervisor(style="loud")
mlflow.models.set_model(AGENT)
