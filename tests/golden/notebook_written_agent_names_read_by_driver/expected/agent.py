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
from prompts import SYSTEM_PROMPT

LLM_ENDPOINT_NAME = "databricks-claude-sonnet-4"


class AnswerAgent:
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        messages = [{"role": "system", "content": SYSTEM_PROMPT}]
        messages += to_chat_completions_input(request.input)
        completion = self.client.chat.completions.create(model=LLM_ENDPOINT_NAME, messages=messages)
        return ResponsesAgentResponse(
            output=[create_text_output_item(text=completion.choices[0].message.content, id="a1")]
        )


@once_per_process
def get_agent() -> AnswerAgent:
    """The agent, built on first use and shared by every request of this process."""
    return AnswerAgent()


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
