import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class FaqAgent(ResponsesAgent):
    def load_context(self, context):
        with open(context.artifacts["faq"], encoding="utf-8") as file:
            self.faq = file.read()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(self.faq, "faq-1")])


# TODO(migrate-agent): [MA001] `FaqAgent` is not converted: it reads `context.artifacts` from Model Serving, and no `log_model` call in the project says what was logged: add the driver code that logs it (project files as artifacts, a literal or file model_config), or make it read files shipped with the app; convert this export by hand (see README, 'What is migrated')
mlflow.models.set_model(FaqAgent())
