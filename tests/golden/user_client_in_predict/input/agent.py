import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class WhoAmIAgent(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        user_client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        me = user_client.current_user.me()
        return ResponsesAgentResponse(
            output=[self.create_text_output_item(f"You are {me.user_name}", "u1")]
        )


mlflow.models.set_model(WhoAmIAgent())
