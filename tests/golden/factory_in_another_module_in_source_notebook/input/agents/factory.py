"""Builds the agent from its config."""

from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class EchoAgent(ResponsesAgent):
    def __init__(self, prefix: str):
        self.prefix = prefix

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{self.prefix}: {request.input[-1].content}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "e1")])

    def predict_stream(self, request: ResponsesAgentRequest):
        text = f"{self.prefix}: {request.input[-1].content}"
        yield self.create_text_delta(text, "e1")
        yield {"type": "response.output_item.done", "item": self.create_text_output_item(text, "e1")}


def create_agent(config: dict) -> EchoAgent:
    """The agent the notebook tuned, from its config."""
    agent = EchoAgent(config["prefix"])
    return agent
