import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentResponse


class OddAgent(ResponsesAgent):
    def predict(self, context, model_input, params=None) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item("odd", "o1")])


# TODO(migrate-agent): [MA001] `OddAgent.predict(self, context, model_input, params)` does not have the ResponsesAgent signature (self, request); convert this export by hand (see README, 'What is migrated')
mlflow.models.set_model(OddAgent())
