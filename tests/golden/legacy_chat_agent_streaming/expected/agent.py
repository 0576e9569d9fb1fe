"""A ChatAgent in the shape of Databricks' LangGraph ChatAgent template, without LangGraph:
messages go to a Databricks-hosted LLM; predict collects what predict_stream yields."""

import uuid
from typing import Any, AsyncIterator, Generator, Optional

import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.pyfunc import ChatAgent
from mlflow.types.agent import ChatAgentChunk, ChatAgentMessage, ChatAgentResponse, ChatContext
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import (
    LazyAgent,
    iterate_in_thread,
    once_per_process,
    run_in_thread,
)
from legacy_agent_adapters import chat_agent_predict, chat_agent_stream

LLM_ENDPOINT_NAME = "databricks-claude"


class LangGraphChatAgent(ChatAgent):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(
        self,
        messages: list[ChatAgentMessage],
        context: Optional[ChatContext] = None,
        custom_inputs: Optional[dict[str, Any]] = None,
    ) -> ChatAgentResponse:
        messages_out = [chunk.delta for chunk in self.predict_stream(messages, context, custom_inputs)]
        merged = "".join(m.content for m in messages_out)
        return ChatAgentResponse(
            messages=[ChatAgentMessage(role="assistant", content=merged, id=messages_out[0].id)],
            custom_outputs=custom_inputs,
        )

    def predict_stream(
        self,
        messages: list[ChatAgentMessage],
        context: Optional[ChatContext] = None,
        custom_inputs: Optional[dict[str, Any]] = None,
    ) -> Generator[ChatAgentChunk, None, None]:
        request = {"messages": self._convert_messages_to_dict(messages)}
        message_id = str(uuid.uuid4())
        for chunk in self.client.chat.completions.create(
            model=LLM_ENDPOINT_NAME, messages=request["messages"], stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                yield ChatAgentChunk(
                    delta=ChatAgentMessage(
                        role="assistant", content=chunk.choices[0].delta.content, id=message_id
                    )
                )


mlflow.openai.autolog()


@once_per_process
def get_agent() -> LangGraphChatAgent:
    """The agent, built on first use and shared by every request of this process."""
    return LangGraphChatAgent()


AGENT = LazyAgent(get_agent)  # the old name, for code that imports it; built on first use


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(chat_agent_predict, agent, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    async for event in iterate_in_thread(chat_agent_stream, agent, request):
        yield event
