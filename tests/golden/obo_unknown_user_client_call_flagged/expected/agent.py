from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import (
    get_user_workspace_client,
    once_per_process,
    output_item_done_events,
    run_in_thread,
)


class RawApiAgent:
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        user_client = get_user_workspace_client()
        me = user_client.api_client.do("GET", "/api/2.0/preview/scim/v2/Me")
        return ResponsesAgentResponse(output=[create_text_output_item(f"Hi {me['userName']}", "r1")])


@once_per_process
def get_agent() -> RawApiAgent:
    """The agent, built on first use and shared by every request of this process."""
    return RawApiAgent()


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
