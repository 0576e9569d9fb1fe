import copy
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


class LazyAgent:
    def __init__(self):
        self._user_client = None

    @property
    def user_client(self):
        if self._user_client is None:
            self._user_client = get_user_workspace_client()
        return self._user_client

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        me = self.user_client.current_user.me()
        return ResponsesAgentResponse(
            output=[create_text_output_item(f"Hello {me.user_name}", "l1")]
        )


@once_per_process
def get_agent() -> LazyAgent:
    """The agent, built on first use and shared by every request of this process."""
    return LazyAgent()


def request_agent() -> LazyAgent:
    """This request's own copy of the agent: per-process state shared, request state its own."""
    agent = copy.copy(get_agent())
    return agent


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(request_agent)
    return await run_in_thread(agent.predict, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(request_agent)
    response = await run_in_thread(agent.predict, request)
    for event in output_item_done_events(response):
        yield event
