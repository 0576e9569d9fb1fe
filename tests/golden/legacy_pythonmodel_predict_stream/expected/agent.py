"""A chat PythonModel with predict_stream yielding the answer's text as strings; logged without
signature or input example, so both methods got the request's dict."""

from typing import AsyncIterator

from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.pyfunc import PythonModel
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import iterate_in_thread, once_per_process, run_in_thread
from legacy_agent_adapters import (
    model_context,
    python_model_predict,
    python_model_stream,
)

LLM_ENDPOINT = "databricks-claude"


class StreamingChat(PythonModel):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, context, model_input, params=None):
        completion = self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=model_input["messages"]
        )
        return {
            "id": "chat-1",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": completion.choices[0].message.content}}],
        }

    def predict_stream(self, context, model_input, params=None):
        for chunk in self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=model_input.get("messages"), stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                yield chunk.choices[0].delta.content


@once_per_process
def get_agent() -> StreamingChat:
    """The agent, built on first use and shared by every request of this process."""
    return StreamingChat()


@once_per_process
def get_model_context():
    """Model Serving's context for this agent: what the driver logged, shipped with the app."""
    return model_context(__file__)


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(python_model_predict, agent, get_model_context(), request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    async for event in iterate_in_thread(python_model_stream, agent, get_model_context(), request):
        yield event
