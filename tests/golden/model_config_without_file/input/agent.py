import mlflow
from mlflow.models import ModelConfig
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

config = ModelConfig()
GREETING = config.get("greeting")


class ConfiguredGreeter(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(GREETING, "c1")])


mlflow.models.set_model(ConfiguredGreeter())
