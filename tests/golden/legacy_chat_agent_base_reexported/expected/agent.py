from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread
from agent_types import ChatAgent
from legacy_agent_adapters import chat_agent_predict


class EchoAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None) -> ChatAgentResponse:
        text = messages[-1].content
        return ChatAgentResponse(messages=[ChatAgentMessage(role="assistant", content=f"echo: {text}", id="m1")])


@once_per_process
def get_agent() -> EchoAgent:
    """The agent, built on first use and shared by every request of this process."""
    return EchoAgent()


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(chat_agent_predict, agent, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    response = await run_in_thread(chat_agent_predict, agent, request)
    for event in output_item_done_events(response):
        yield event
