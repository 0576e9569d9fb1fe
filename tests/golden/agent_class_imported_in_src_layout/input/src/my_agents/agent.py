import mlflow

from my_agents.support import SupportAgent

mlflow.models.set_model(SupportAgent(tier="gold"))
