import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Shouter(ResponsesAgent):
    def __init__(self):
        self.calls = 0

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        self.calls += 1
        text = request.input[-1].content.upper()
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, f"s{self.calls}")])


AGENT = Shouter()
mlflow.models.set_model(AGENT)
