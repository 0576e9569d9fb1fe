import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentResponse


class OddAgent(ResponsesAgent):
    def predict(self, context, model_input, params=None) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item("odd", "o1")])


mlflow.models.set_model(OddAgent())
