import mlflow

from support import SupportAgent

mlflow.models.set_model(SupportAgent())
