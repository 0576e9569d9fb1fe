"""The agent: reads its settings from config.yml through ModelConfig."""

import mlflow
from mlflow.models import ModelConfig

config = ModelConfig(development_config="config.yml")
LLM_ENDPOINT_NAME = config.get("llm_endpoint")
VECTOR_INDEX = config.get("vector_search_index")
