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
from legacy_agent_adapters import model_context


class ConfiguredAgent:
    def __init__(self):
        self.greeting = None

    def load_context(self, context):
        self.greeting = "Welcome"

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(
            output=[create_text_output_item(f"{self.greeting}!", "w1")]
        )


@once_per_process
def get_agent() -> ConfiguredAgent:
    """The agent, built on first use and shared by every request of this process."""
    agent = ConfiguredAgent()
    agent.load_context(model_context(__file__))
    return agent


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
