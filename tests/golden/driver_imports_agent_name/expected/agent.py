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


class Shouter:
    def __init__(self):
        self.calls = 0

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        self.calls += 1
        text = request.input[-1].content.upper()
        return ResponsesAgentResponse(output=[create_text_output_item(text, f"s{self.calls}")])


@once_per_process
def get_agent() -> Shouter:
    """The agent, built on first use and shared by every request of this process."""
    return Shouter()


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
