"""The supervisor, served by Model Serving."""

import mlflow

from base import BaseAgent


class Supervisor(BaseAgent):
    prefix = "supervisor"

    def answer(self, text: str) -> str:
        return text[::-1]


AGENT = Supervisor()
mlflow.models.set_model(AGENT)
