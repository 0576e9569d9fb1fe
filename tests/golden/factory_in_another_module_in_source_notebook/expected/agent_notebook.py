# Databricks notebook source
from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import iterate_in_thread, once_per_process, run_in_thread
from agents.factory import EchoAgent, create_agent

# COMMAND ----------

config = {"prefix": "factory"}


@once_per_process
def get_agent() -> EchoAgent:
    """The agent, built on first use and shared by every request of this process."""
    return create_agent(config)


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(agent.predict, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    async for event in iterate_in_thread(agent.predict_stream, request):
        yield event
