import copy
from typing import AsyncIterator

from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
    to_chat_completions_input,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread


class StatefulAgent:
    def __init__(self):
        self.llm = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def _ask(self):
        reply = self.llm.chat.completions.create(model="databricks-llama", messages=self.messages)
        return reply.choices[0].message.content

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        # Conversation state kept on self for the duration of one request.
        self.messages = to_chat_completions_input(request.input)
        return ResponsesAgentResponse(output=[create_text_output_item(self._ask(), "s1")])


@once_per_process
def get_agent() -> StatefulAgent:
    """The agent, built on first use and shared by every request of this process."""
    return StatefulAgent()


def request_agent() -> StatefulAgent:
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
