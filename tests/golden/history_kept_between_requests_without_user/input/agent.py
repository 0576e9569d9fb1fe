import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Keeper(ResponsesAgent):
    """Remembers every question it was asked: one agent per process, no user identity."""

    def __init__(self):
        self.history = []

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        self.history.append(request.input[-1].content)
        text = f"{len(self.history)} question(s) so far"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, f"k{len(self.history)}")])


mlflow.models.set_model(Keeper())
