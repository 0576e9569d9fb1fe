import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class RawApiAgent(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        user_client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        me = user_client.api_client.do("GET", "/api/2.0/preview/scim/v2/Me")
        return ResponsesAgentResponse(output=[self.create_text_output_item(f"Hi {me['userName']}", "r1")])


mlflow.models.set_model(RawApiAgent())
