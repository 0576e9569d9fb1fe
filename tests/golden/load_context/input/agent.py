import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class ConfiguredAgent(ResponsesAgent):
    def __init__(self):
        self.greeting = None

    def load_context(self, context):
        self.greeting = "Welcome"

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(
            output=[self.create_text_output_item(f"{self.greeting}!", "w1")]
        )


AGENT = ConfiguredAgent()
mlflow.models.set_model(AGENT)
