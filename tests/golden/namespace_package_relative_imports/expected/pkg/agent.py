from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from .agent_server_utils import once_per_process, output_item_done_events, run_in_thread
from .prompts import GREETING, reply_to


class NamespaceAgent:
    """Lives in pkg/, a folder without __init__.py: a namespace package its relative import needs."""

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{GREETING} {reply_to(request.input[-1].content)}"
        return ResponsesAgentResponse(output=[create_text_output_item(text=text, id="ns1")])


@once_per_process
def get_agent() -> NamespaceAgent:
    """The agent, built on first use and shared by every request of this process."""
    return NamespaceAgent()


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
