"""Imports whose distributions have other names than the modules (and one nobody knows)."""

from typing import AsyncIterator

import acme_internal_sdk
import cv2
import google.generativeai as genai
from agents import Agent, Runner
from databricks.sdk import WorkspaceClient
from databricks.vector_search.client import VectorSearchClient
from dateutil import parser as date_parser
from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread


class ToolAgent:
    def __init__(self):
        self.search = VectorSearchClient()
        self.client = WorkspaceClient()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        when = date_parser.parse("2026-01-01").isoformat()
        text = f"{when} {cv2.__name__} {genai.__name__} {Agent.__name__} {Runner.__name__} {acme_internal_sdk}"
        return ResponsesAgentResponse(output=[create_text_output_item(text=text, id="a1")])


@once_per_process
def get_agent() -> ToolAgent:
    """The agent, built on first use and shared by every request of this process."""
    return ToolAgent()


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
