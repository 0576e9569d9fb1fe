from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

import workspace_tools
from agent_server_utils import once_per_process, output_item_done_events, run_in_thread
from workspace_tools import USER_CLIENT


class WhoAmI:
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        me = USER_CLIENT.current_user.me()
        text = f"{me.display_name} is {workspace_tools.user_name()}"
        return ResponsesAgentResponse(output=[create_text_output_item(text, "w1")])


@once_per_process
def get_agent() -> WhoAmI:
    """The agent, built on first use and shared by every request of this process."""
    return WhoAmI()


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
