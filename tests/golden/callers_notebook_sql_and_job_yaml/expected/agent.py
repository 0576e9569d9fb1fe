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

from agent_server_utils import (
    LazyAgent,
    once_per_process,
    output_item_done_events,
    run_in_thread,
)


class AnswerAgent:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        messages = to_chat_completions_input(request.input)
        completion = self.client.chat.completions.create(model=self.endpoint, messages=messages)
        return ResponsesAgentResponse(
            output=[create_text_output_item(text=completion.choices[0].message.content, id="a1")]
        )


@once_per_process
def get_agent() -> AnswerAgent:
    """The agent, built on first use and shared by every request of this process."""
    return AnswerAgent(endpoint="databricks-llama")


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
