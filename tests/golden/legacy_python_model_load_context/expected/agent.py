"""A PythonModel that answers chat messages; load_context reads a logged prompt file and the
logged model_config."""

from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.pyfunc import PythonModel
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread
from legacy_agent_adapters import model_context, python_model_predict


class PromptedModel(PythonModel):
    def load_context(self, context):
        with open(context.artifacts["system_prompt"], encoding="utf-8") as file:
            self.system_prompt = file.read().strip()
        self.greeting = context.model_config["greeting"]

    def predict(self, context, model_input, params=None):
        question = model_input["messages"][-1]["content"]
        return {
            "choices": [
                {
                    "message": {
                        "role": "assistant",
                        "content": f"{self.greeting} ({self.system_prompt}) you asked: {question}",
                    }
                }
            ]
        }


@once_per_process
def get_agent() -> PromptedModel:
    """The agent, built on first use and shared by every request of this process."""
    agent = PromptedModel()
    agent.load_context(get_model_context())
    return agent


@once_per_process
def get_model_context():
    """Model Serving's context for this agent: what the driver logged, shipped with the app."""
    return model_context(__file__, artifacts={"system_prompt": "prompts/system.txt"}, model_config="model_config.yaml")


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(python_model_predict, agent, get_model_context(), request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    response = await run_in_thread(python_model_predict, agent, get_model_context(), request)
    for event in output_item_done_events(response):
        yield event
