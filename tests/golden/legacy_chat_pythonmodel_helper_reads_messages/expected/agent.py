"""A chat PythonModel whose predict is typed with MLflow's ChatCompletionRequest and reads the
messages in a helper method; logged with a signature, so Model Serving handed it the request as
that dataclass."""

from typing import AsyncIterator

from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.models.rag_signatures import ChatCompletionRequest
from mlflow.pyfunc import PythonModel
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread
from legacy_agent_adapters import model_context, python_model_predict_dataframe

LLM_ENDPOINT = "databricks-claude"


class HelperChat(PythonModel):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def _messages(self, request):
        if isinstance(request, ChatCompletionRequest):
            return [{"role": m.role, "content": m.content} for m in request.messages]
        return list(request["messages"])

    def predict(self, context, model_input: ChatCompletionRequest, params=None):
        messages = self._messages(model_input)
        completion = self.client.chat.completions.create(model=LLM_ENDPOINT, messages=messages)
        answer = completion.choices[0].message.content
        return {
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}],
            "custom_outputs": {"received": type(model_input).__name__},
        }


@once_per_process
def get_agent() -> HelperChat:
    """The agent, built on first use and shared by every request of this process."""
    return HelperChat()


@once_per_process
def get_model_context():
    """Model Serving's context for this agent: what the driver logged, shipped with the app."""
    return model_context(__file__)


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(python_model_predict_dataframe, agent, get_model_context(), request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    response = await run_in_thread(python_model_predict_dataframe, agent, get_model_context(), request)
    for event in output_item_done_events(response):
        yield event
