# Databricks notebook source
# MAGIC %pip install -U mlflow

# COMMAND ----------

from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import (
    LazyAgent,
    once_per_process,
    output_item_done_events,
    run_in_thread,
)

# COMMAND ----------

class NoteAgent:
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"note: {request.input[-1].content}"
        return ResponsesAgentResponse(output=[create_text_output_item(text, "n1")])

# COMMAND ----------


@once_per_process
def get_agent() -> NoteAgent:
    """The agent, built on first use and shared by every request of this process."""
    return NoteAgent()


AGENT = LazyAgent(get_agent)  # the old name, for code that imports it; built on first use


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(agent.predict, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    response = await run_in_thread(agent.predict, request)
    for event in output_item_done_events(response):
        yield event
