"""Evaluates the agent before shipping it: imports the exported AGENT and calls predict."""

import mlflow
from mlflow.genai.scorers import RelevanceToQuery

from agent import AGENT

eval_data = [{"inputs": {"input": [{"role": "user", "content": "What is MLflow?"}]}}]

mlflow.genai.evaluate(
    data=eval_data,
    predict_fn=lambda input: AGENT.predict({"input": input}),
    scorers=[RelevanceToQuery()],
)
