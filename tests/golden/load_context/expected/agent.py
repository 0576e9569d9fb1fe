from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse
from mlflow.types.responses import ResponsesAgentStreamEvent, create_text_output_item

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread


class ConfiguredAgent:
    def __init__(self):
        self.greeting = None

    def load_context(self, context):
        self.greeting = "Welcome"

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(
            output=[create_text_output_item(f"{self.greeting}!", "w1")]
        )


@once_per_process
def get_agent() -> ConfiguredAgent:
    """The agent, built on first use and shared by every request of this process."""
    agent = ConfiguredAgent()
    # TODO(migrate-agent): [MA001] load_context ran when Model Serving loaded the model, with its artifacts and model_config; on Apps it gets None here: pass what it reads (files shipped with the app, a config file)
    agent.load_context(None)
    return agent


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
