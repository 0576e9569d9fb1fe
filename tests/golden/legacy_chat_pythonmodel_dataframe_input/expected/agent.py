"""A chat PythonModel logged with an input example: Model Serving handed its predict a one-row
pandas DataFrame, which it turns back into the request's dict."""

from typing import AsyncIterator

import pandas as pd
from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.pyfunc import PythonModel
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread
from legacy_agent_adapters import model_context, python_model_predict_dataframe

LLM_ENDPOINT = "databricks-claude"


class DataFrameChat(PythonModel):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, context, model_input, params=None):
        received = type(model_input).__name__
        if isinstance(model_input, pd.DataFrame):
            model_input = model_input.to_dict("records")[0]
        messages = [{"role": m["role"], "content": m["content"]} for m in model_input["messages"]]
        completion = self.client.chat.completions.create(model=LLM_ENDPOINT, messages=messages)
        return {
            "id": "chat-1",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": completion.choices[0].message.content},
                    "finish_reason": "stop",
                }
            ],
            "custom_outputs": {"received": received},
        }


@once_per_process
def get_agent() -> DataFrameChat:
    """The agent, built on first use and shared by every request of this process."""
    return DataFrameChat()


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
