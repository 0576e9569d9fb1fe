from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)
from my_agents.agent_server_utils import (
    once_per_process,
    output_item_done_events,
    run_in_thread,
)
from my_agents.support import SupportAgent


@once_per_process
def get_agent() -> SupportAgent:
    """The agent, built on first use and shared by every request of this process."""
    return SupportAgent(tier="gold")


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
