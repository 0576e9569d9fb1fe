"""A chat agent on a Databricks-hosted LLM, answering whole or streamed."""

from typing import AsyncIterator

import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_delta,
    create_text_output_item,
    to_chat_completions_input,
)

from agent_server_utils import (
    LazyAgent,
    iterate_in_thread,
    once_per_process,
    run_in_thread,
)

LLM_ENDPOINT = "databricks-claude"


class LlmAgent:
    def __init__(self):
        # The OpenAI client is built once; it authenticates as the serving identity.
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def _messages(self, request: ResponsesAgentRequest):
        return to_chat_completions_input([item.model_dump() for item in request.input])

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        completion = self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=self._messages(request)
        )
        text = completion.choices[0].message.content
        return ResponsesAgentResponse(
            output=[create_text_output_item(text=text, id="msg-1")],
            custom_outputs=request.custom_inputs,
        )

    def predict_stream(self, request: ResponsesAgentRequest):
        text = ""
        for chunk in self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=self._messages(request), stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                delta = chunk.choices[0].delta.content
                text += delta
                yield ResponsesAgentStreamEvent(**create_text_delta(delta=delta, item_id="msg-1"))
        yield ResponsesAgentStreamEvent(
            type="response.output_item.done",
            item=create_text_output_item(text=text, id="msg-1"),
        )


mlflow.openai.autolog()


@once_per_process
def get_agent() -> LlmAgent:
    """The agent, built on first use and shared by every request of this process."""
    return LlmAgent()


AGENT = LazyAgent(get_agent)  # the old name, for code that imports it; built on first use


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(agent.predict, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    async for event in iterate_in_thread(agent.predict_stream, request):
        yield event
