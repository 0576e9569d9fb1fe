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

SYSTEM_PROMPT = "You answer in one word."


class Supervisor:
    def __init__(self, prompt: str, temperature: float):
        self.prompt = prompt
        self.temperature = temperature

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{self.prompt} / {self.temperature} / {request.input[-1].content}"
        return ResponsesAgentResponse(output=[create_text_output_item(text, "s1")])


def initialize_agent(temperature: float = 0.0) -> Supervisor:
    """Builds the supervisor the way the notebook tuned it."""
    agent = Supervisor(SYSTEM_PROMPT, temperature)
    return agent


@once_per_process
def get_agent() -> Supervisor:
    """The agent, built on first use and shared by every request of this process."""
    return initialize_agent(temperature=0.2)


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
