# Databricks notebook source
# MAGIC %pip install -U mlflow openai databricks-sdk

# COMMAND ----------

dbutils.library.restartPython()

# COMMAND ----------

# MAGIC %%writefile agent.py
# MAGIC from typing import AsyncIterator
# MAGIC
# MAGIC from databricks.sdk import WorkspaceClient
# MAGIC from mlflow.genai.agent_server import invoke, stream
# MAGIC from mlflow.types.responses import (
# MAGIC     ResponsesAgentRequest,
# MAGIC     ResponsesAgentResponse,
# MAGIC     ResponsesAgentStreamEvent,
# MAGIC     create_text_output_item,
# MAGIC     to_chat_completions_input,
# MAGIC )
# MAGIC
# MAGIC from agent_server_utils import (
# MAGIC     LazyAgent,
# MAGIC     once_per_process,
# MAGIC     output_item_done_events,
# MAGIC     run_in_thread,
# MAGIC )
# MAGIC from prompts import SYSTEM_PROMPT
# MAGIC
# MAGIC LLM_ENDPOINT_NAME = "databricks-claude-sonnet-4"
# MAGIC
# MAGIC
# MAGIC class AnswerAgent:
# MAGIC     def __init__(self):
# MAGIC         self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()
# MAGIC
# MAGIC     def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
# MAGIC         messages = [{"role": "system", "content": SYSTEM_PROMPT}]
# MAGIC         messages += to_chat_completions_input(request.input)
# MAGIC         completion = self.client.chat.completions.create(model=LLM_ENDPOINT_NAME, messages=messages)
# MAGIC         return ResponsesAgentResponse(
# MAGIC             output=[create_text_output_item(text=completion.choices[0].message.content, id="a1")]
# MAGIC         )
# MAGIC
# MAGIC
# MAGIC @once_per_process
# MAGIC def get_agent() -> AnswerAgent:
# MAGIC     """The agent, built on first use and shared by every request of this process."""
# MAGIC     return AnswerAgent()
# MAGIC
# MAGIC
# MAGIC AGENT = LazyAgent(get_agent)  # the old name, for code that imports it; built on first use
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
# MAGIC     response = await run_in_thread(agent.predict, request)
# MAGIC     for event in output_item_done_events(response):
# MAGIC         yield event

# COMMAND ----------

import mlflow
from mlflow.models.resources import DatabricksServingEndpoint

from agent import LLM_ENDPOINT_NAME

with mlflow.start_run():
    # TODO(migrate-agent): [MA007] `mlflow.pyfunc.log_model` logs `agent.py` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the logged model would not load: deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
    logged = mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        code_paths=["prompts.py"],
        resources=[DatabricksServingEndpoint(endpoint_name=LLM_ENDPOINT_NAME)],
    )
