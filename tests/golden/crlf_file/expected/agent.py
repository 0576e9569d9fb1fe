from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread


class Greeter:
    def __init__(self, greeting="Hello"):
        self.greeting = greeting

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        name = request.input[-1].content
        return ResponsesAgentResponse(
            output=[create_text_output_item(f"{self.greeting}, {name}!", "g1")]
        )


@once_per_process
def get_agent() -> Greeter:
    """The agent, built on first use and shared by every request of this process."""
    return Greeter(greeting="Hi")


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
