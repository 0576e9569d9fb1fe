from typing import AsyncIterator

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
    collect_stream,
    iterate_in_thread,
    once_per_process,
    run_in_thread,
)


class StreamingAgent:
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict_stream(self, request: ResponsesAgentRequest):
        messages = to_chat_completions_input(request.input)
        text = ""
        stream = self.client.chat.completions.create(
            model="databricks-llama", messages=messages, stream=True
        )
        for chunk in stream:
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                text += delta
                yield ResponsesAgentStreamEvent(**create_text_delta(delta, "s1"))
        yield ResponsesAgentStreamEvent(
            type="response.output_item.done", item=create_text_output_item(text, "s1")
        )


@once_per_process
def get_agent() -> StreamingAgent:
    """The agent, built on first use and shared by every request of this process."""
    return StreamingAgent()


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(collect_stream, agent.predict_stream, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    async for event in iterate_in_thread(agent.predict_stream, request):
        yield event
