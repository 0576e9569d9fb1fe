import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

from formatting import describe


class Describer(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = describe({"name": request.input[-1].content, "kind": "user"})
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "d1")])


mlflow.models.set_model(Describer())
