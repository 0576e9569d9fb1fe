"""Builds one agent or another from the config."""

from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class EchoAgent(ResponsesAgent):
    def __init__(self, prefix: str):
        self.prefix = prefix

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{self.prefix}: {request.input[-1].content}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "e1")])


class ShoutAgent(EchoAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{self.prefix}: {request.input[-1].content}".upper()
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "e1")])


def create_agent(config: dict) -> EchoAgent:
    if config.get("loud"):
        return ShoutAgent(config["prefix"])
    return EchoAgent(config["prefix"])
