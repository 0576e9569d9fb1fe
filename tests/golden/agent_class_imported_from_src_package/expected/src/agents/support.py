from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class SupportAgent(ResponsesAgent):
    def __init__(self, tier: str):
        self.tier = tier

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{self.tier}: {request.input[-1].content}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "s1")])
