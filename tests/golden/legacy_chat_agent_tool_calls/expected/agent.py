"""A ChatAgent that calls a tool before answering (the messages a LangGraph tool-calling agent
returns: the assistant's tool call, the tool's output, the final answer from the LLM)."""

import json
import uuid
from typing import AsyncIterator

from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.pyfunc import ChatAgent
from mlflow.types.agent import ChatAgentChunk, ChatAgentMessage, ChatAgentResponse
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import iterate_in_thread, once_per_process, run_in_thread
from legacy_agent_adapters import chat_agent_predict, chat_agent_stream

LLM_ENDPOINT = "databricks-claude"


def lookup_weather(city: str) -> str:
    return f"sunny in {city}"


class ToolCallingAgent(ChatAgent):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, messages, context=None, custom_inputs=None) -> ChatAgentResponse:
        return ChatAgentResponse(
            messages=[chunk.delta for chunk in self.predict_stream(messages, context, custom_inputs)]
        )

    def predict_stream(self, messages, context=None, custom_inputs=None):
        call = {"id": "call-1", "type": "function",
                "function": {"name": "lookup_weather", "arguments": json.dumps({"city": "Paris"})}}
        yield ChatAgentChunk(delta=ChatAgentMessage(role="assistant", content="", tool_calls=[call], id=str(uuid.uuid4())))
        output = lookup_weather("Paris")
        yield ChatAgentChunk(delta=ChatAgentMessage(
            role="tool", name="lookup_weather", tool_call_id="call-1", content=output, id=str(uuid.uuid4())
        ))
        history = [{"role": m.role, "content": m.content} for m in messages]
        completion = self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=history + [{"role": "user", "content": f"tool said: {output}"}]
        )
        yield ChatAgentChunk(delta=ChatAgentMessage(
            role="assistant", content=completion.choices[0].message.content, id=str(uuid.uuid4())
        ))


@once_per_process
def get_agent() -> ToolCallingAgent:
    """The agent, built on first use and shared by every request of this process."""
    return ToolCallingAgent()


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(chat_agent_predict, agent, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    async for event in iterate_in_thread(chat_agent_stream, agent, request):
        yield event
