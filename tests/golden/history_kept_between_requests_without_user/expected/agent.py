from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread


class Keeper:
    """Remembers every question it was asked: one agent per process, no user identity."""

    def __init__(self):
        self.history = []

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        self.history.append(request.input[-1].content)
        text = f"{len(self.history)} question(s) so far"
        return ResponsesAgentResponse(output=[create_text_output_item(text, f"k{len(self.history)}")])


@once_per_process
def get_agent() -> Keeper:
    """The agent, built on first use and shared by every request of this process."""
    return Keeper()


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
