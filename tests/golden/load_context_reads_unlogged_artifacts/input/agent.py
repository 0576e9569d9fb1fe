import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class FaqAgent(ResponsesAgent):
    def load_context(self, context):
        with open(context.artifacts["faq"], encoding="utf-8") as file:
            self.faq = file.read()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(self.faq, "faq-1")])


mlflow.models.set_model(FaqAgent())
