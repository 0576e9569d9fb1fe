# Databricks notebook source
# MAGIC %%writefile agent.py
# MAGIC from typing import AsyncIterator
# MAGIC
# MAGIC from mlflow.genai.agent_server import invoke, stream
# MAGIC from mlflow.types.responses import (
# MAGIC     ResponsesAgentRequest,
# MAGIC     ResponsesAgentResponse,
# MAGIC     ResponsesAgentStreamEvent,
# MAGIC )
# MAGIC
# MAGIC from agent_server_utils import iterate_in_thread, once_per_process, run_in_thread
# MAGIC from agents.factory import EchoAgent, create_agent
# MAGIC
# MAGIC config = {"prefix": "factory"}
# MAGIC
# MAGIC
# MAGIC @once_per_process
# MAGIC def get_agent() -> EchoAgent:
# MAGIC     """The agent, built on first use and shared by every request of this process."""
# MAGIC     return create_agent(config)
# MAGIC
# MAGIC
# MAGIC @invoke()
# MAGIC async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
# MAGIC     agent = await run_in_thread(get_agent)
# MAGIC     return await run_in_thread(agent.predict, request)
# MAGIC
# MAGIC
# MAGIC @stream()
# MAGIC async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
# MAGIC     agent = await run_in_thread(get_agent)
# MAGIC     async for event in iterate_in_thread(agent.predict_stream, request):
# MAGIC         yield event

# COMMAND ----------

import mlflow

with mlflow.start_run():
    # TODO(migrate-agent): [MA007] `mlflow.pyfunc.log_model` logs `agent.py` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the logged model would not load: deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
    logged = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")
