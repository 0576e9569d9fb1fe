from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_delta,
    create_text_output_item,
)

from agent_server_utils import (
    LazyAgent,
    iterate_in_thread,
    once_per_process,
    run_in_thread,
)


class Echo:
    def predict(self, request: ResponsesAgentRequest, trace=None) -> ResponsesAgentResponse:
        text = request.input[-1].content
        return ResponsesAgentResponse(output=[create_text_output_item(text, "e1")])

    def predict_stream(self, request: ResponsesAgentRequest, extra=None, *, verbose: bool = False):
        text = request.input[-1].content
        yield create_text_delta(text, "e1")
        yield {"type": "response.output_item.done", "item": create_text_output_item(text, "e1")}


@once_per_process
def get_agent() -> Echo:
    """The agent, built on first use and shared by every request of this process."""
    return Echo()


AGENT = LazyAgent(get_agent)  # the old name, for code that imports it; built on first use


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(agent.predict, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    async for event in iterate_in_thread(agent.predict_stream, request):
        yield event
