# Databricks notebook source
from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.pyfunc import ChatAgent
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread
from legacy_agent_adapters import chat_agent_predict

# COMMAND ----------

class OldAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None) -> ChatAgentResponse:
        return ChatAgentResponse(messages=[ChatAgentMessage(role="assistant", content="hi", id="1")])


@once_per_process
def get_agent() -> OldAgent:
    """The agent, built on first use and shared by every request of this process."""
    return OldAgent()


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(chat_agent_predict, agent, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    response = await run_in_thread(chat_agent_predict, agent, request)
    for event in output_item_done_events(response):
        yield event
