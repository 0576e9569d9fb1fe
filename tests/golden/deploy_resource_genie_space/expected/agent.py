"""The agent (migrated by the code side of migrate-agent; only read here)."""

import mlflow

LLM_ENDPOINT_NAME = "databricks-claude-3-7-sonnet"
