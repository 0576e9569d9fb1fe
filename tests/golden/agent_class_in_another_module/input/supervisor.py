"""The supervisor agent; agent.py exports it."""

from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Supervisor(ResponsesAgent):
    def __init__(self, style: str = "plain"):
        self.style = style

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{self.style}: {request.input[-1].content}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "s1")])

    def predict_stream(self, request: ResponsesAgentRequest):
        text = f"{self.style}: {request.input[-1].content}"
        yield self.create_text_delta(text, "s1")
        yield {"type": "response.output_item.done", "item": self.create_text_output_item(text, "s1")}
