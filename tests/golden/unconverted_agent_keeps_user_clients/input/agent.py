import mlflow
from databricks.sdk import WorkspaceClient
from databricks_ai_bridge import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentResponse

USER_CLIENT = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())


class WhoAmI(ResponsesAgent):
    def predict(self, context, model_input, params=None) -> ResponsesAgentResponse:
        client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        me = client.current_user.me().user_name
        return ResponsesAgentResponse(output=[self.create_text_output_item(me, "w1")])


mlflow.models.set_model(WhoAmI())
