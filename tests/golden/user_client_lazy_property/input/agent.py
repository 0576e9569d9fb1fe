import mlflow
from databricks.sdk import WorkspaceClient
from databricks_ai_bridge import ModelServingUserCredentials as UserCreds
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class LazyAgent(ResponsesAgent):
    def __init__(self):
        self._user_client = None

    @property
    def user_client(self):
        if self._user_client is None:
            self._user_client = WorkspaceClient(credentials_strategy=UserCreds())
        return self._user_client

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        me = self.user_client.current_user.me()
        return ResponsesAgentResponse(
            output=[self.create_text_output_item(f"Hello {me.user_name}", "l1")]
        )


mlflow.models.set_model(LazyAgent())
