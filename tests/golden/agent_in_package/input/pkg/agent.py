import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

from .helpers import ENDPOINT, first_text


class PackagedAgent(ResponsesAgent):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        messages = self.prep_msgs_for_cc_llm(request.input)
        completion = self.client.chat.completions.create(model=ENDPOINT, messages=messages)
        return ResponsesAgentResponse(output=[self.create_text_output_item(text=first_text(completion), id="a1")])


mlflow.models.set_model(PackagedAgent())
