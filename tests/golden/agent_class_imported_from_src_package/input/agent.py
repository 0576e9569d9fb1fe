"""Model Serving loads this file; the agent class lives in src/agents/ (no __init__.py)."""

import mlflow

from src.agents.support import SupportAgent

AGENT = SupportAgent(tier="gold")
mlflow.models.set_model(AGENT)
