"""What every agent of the team shares."""

from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class BaseAgent(ResponsesAgent):
    prefix = "base"

    def answer(self, text: str) -> str:
        raise NotImplementedError

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = self.answer(request.input[-1].content)
        return ResponsesAgentResponse(output=[self.create_text_output_item(f"{self.prefix}: {text}", "b1")])
