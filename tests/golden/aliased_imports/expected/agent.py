from typing import AsyncIterator

from databricks.sdk import WorkspaceClient as WC
from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentRequest as Req,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
    to_chat_completions_input,
)
from mlflow.types.responses import ResponsesAgentResponse as Resp

from agent_server_utils import (
    LazyAgent,
    once_per_process,
    output_item_done_events,
    run_in_thread,
)


class AliasAgent:
    def __init__(self):
        self.client = WC().serving_endpoints.get_open_ai_client()

    def predict(self, request: Req) -> Resp:
        messages = to_chat_completions_input(request.input)
        reply = self.client.chat.completions.create(model="databricks-llama", messages=messages)
        return Resp(output=[create_text_output_item(reply.choices[0].message.content, "x1")])


@once_per_process
def get_agent() -> AliasAgent:
    """The agent, built on first use and shared by every request of this process."""
    return AliasAgent()


agent = LazyAgent(get_agent)  # the old name, for code that imports it; built on first use


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
