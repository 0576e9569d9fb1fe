from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.pyfunc import ChatAgent, ResponsesAgent
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import (
    LazyAgent,
    once_per_process,
    output_item_done_events,
    run_in_thread,
)


class Echo:
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[create_text_output_item(request.input[-1].content, "e1")])


# An experiment never exported: the app does not serve it.
# TODO(migrate-agent): [MA001] `Shout` is not exported with mlflow.models.set_model in this module; export it there or register handlers for it by hand
class Shout(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = request.input[-1].content.upper()
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "s1")])


# TODO(migrate-agent): [MA003] `OldEcho` is a ChatAgent not exported with mlflow.models.set_model in this module (logged as an object?): export it with `mlflow.models.set_model(OldEcho())` (models from code), then run migrate-agent again
class OldEcho(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None):
        raise NotImplementedError


@once_per_process
def get_agent() -> Echo:
    """The agent, built on first use and shared by every request of this process."""
    return Echo()


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
