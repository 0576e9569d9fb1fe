import os

import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Fast(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item("fast", "f1")])


class Careful(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item("careful", "c1")])


# TODO(migrate-agent): [MA001] several `set_model` calls in one module; one app serves one agent: keep one export (or one module per agent); convert this export by hand (see README, 'What is migrated')
if os.environ.get("AGENT_MODE") == "fast":
    mlflow.models.set_model(Fast())
else:
    mlflow.models.set_model(Careful())
