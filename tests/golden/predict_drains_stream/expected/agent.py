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


class EchoAgent:
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    @mlflow.trace(span_type="LLM")
    def call_llm(self, messages):
        return self.client.chat.completions.create(model=LLM_ENDPOINT, messages=messages, stream=True)

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        outputs = [
            event.item
            for event in self.predict_stream(request)
            if event.type == "response.output_item.done"
        ]
        return ResponsesAgentResponse(output=outputs, custom_outputs=request.custom_inputs)

    def predict_stream(self, request: ResponsesAgentRequest):
        messages = to_chat_completions_input([i.model_dump() for i in request.input])
        item_id = "msg-1"
        text = ""
        for chunk in self.call_llm(messages):
            if chunk.choices and chunk.choices[0].delta.content:
                delta = chunk.choices[0].delta.content
                text += delta
                yield ResponsesAgentStreamEvent(**create_text_delta(delta=delta, item_id=item_id))
        yield ResponsesAgentStreamEvent(
            type="response.output_item.done",
            item=create_text_output_item(text=text, id=item_id),
        )


@once_per_process
def get_agent() -> EchoAgent:
    """The agent, built on first use and shared by every request of this process."""
    return EchoAgent()


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
