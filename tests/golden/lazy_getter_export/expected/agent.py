from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread

_AGENT = None


class Echo:
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[create_text_output_item(request.input[-1].content, "e1")])


def get_agent() -> Echo:
    global _AGENT
    if _AGENT is None:
        _AGENT = Echo()
    return _AGENT


@once_per_process
def get_agent_2() -> Echo:
    """The agent, built on first use and shared by every request of this process."""
    return get_agent()


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent_2)
    return await run_in_thread(agent.predict, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent_2)
    response = await run_in_thread(agent.predict, request)
    for event in output_item_done_events(response):
        yield event
