from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.models import ModelConfig
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread

# TODO(migrate-agent): [MA005] ModelConfig() without development_config reads the config logged with the model, and an app has no logged model: pass development_config="model_config.yaml" (migrate-agent writes that file from log_model(model_config=...) when it can read it) or another YAML file shipped with the app
config = ModelConfig()
GREETING = config.get("greeting")


class ConfiguredGreeter:
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[create_text_output_item(GREETING, "c1")])


@once_per_process
def get_agent() -> ConfiguredGreeter:
    """The agent, built on first use and shared by every request of this process."""
    return ConfiguredGreeter()


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
