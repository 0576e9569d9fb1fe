import os

import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Echo(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(request.input[-1].content, "e1")])


AGENT = Echo()
# TODO(migrate-agent): [MA001] `set_model` runs under a module-level `if` / `try` / `with` block: what it exports depends on how the module was loaded; make the export a statement of its own at module level, then run migrate-agent again; convert this export by hand (see README, 'What is migrated')
if os.environ.get("EXPORT_AGENT", "1") == "1":
    mlflow.models.set_model(AGENT)
