"""A ChatModel on a Databricks-hosted LLM that, like MLflow's own ChatModel example, leaves the
optional ids out: no ChatCompletionResponse.id, no chunk ids."""

from typing import AsyncIterator

from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.pyfunc import ChatModel
from mlflow.types.llm import (
    ChatChoice,
    ChatChoiceDelta,
    ChatChunkChoice,
    ChatCompletionChunk,
    ChatCompletionResponse,
    ChatMessage,
)
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import iterate_in_thread, once_per_process, run_in_thread
from legacy_agent_adapters import chat_model_predict, chat_model_stream, model_context

LLM_ENDPOINT = "databricks-claude"


class CompletionModel(ChatModel):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def _messages(self, messages):
        return [{"role": m.role, "content": m.content} for m in messages]

    def predict(self, context, messages, params):
        completion = self.client.chat.completions.create(model=LLM_ENDPOINT, messages=self._messages(messages))
        text = completion.choices[0].message.content
        return ChatCompletionResponse(choices=[ChatChoice(index=0, message=ChatMessage(role="assistant", content=text))])

    def predict_stream(self, context, messages, params):
        for chunk in self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=self._messages(messages), stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                delta = ChatChoiceDelta(role="assistant", content=chunk.choices[0].delta.content)
                yield ChatCompletionChunk(choices=[ChatChunkChoice(index=0, delta=delta)])


@once_per_process
def get_agent() -> CompletionModel:
    """The agent, built on first use and shared by every request of this process."""
    return CompletionModel()


@once_per_process
def get_model_context():
    """Model Serving's context for this agent: what the driver logged, shipped with the app."""
    return model_context(__file__)


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(chat_model_predict, agent, get_model_context(), request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    async for event in iterate_in_thread(chat_model_stream, agent, get_model_context(), request):
        yield event
