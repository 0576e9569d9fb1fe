import mlflow
from databricks.sdk import WorkspaceClient
from databricks_ai_bridge import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentResponse

# TODO(migrate-agent): [MA004] the agent in this module is not converted (see its manual step), so this on-behalf-of-user client is left as it is; once the agent converts, it becomes a per-request client of the calling user (run migrate-agent again)
USER_CLIENT = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())


class WhoAmI(ResponsesAgent):
    def predict(self, context, model_input, params=None) -> ResponsesAgentResponse:
        # TODO(migrate-agent): [MA004] the agent in this module is not converted (see its manual step), so this on-behalf-of-user client is left as it is; once the agent converts, it becomes a per-request client of the calling user (run migrate-agent again)
        client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        me = client.current_user.me().user_name
        return ResponsesAgentResponse(output=[self.create_text_output_item(me, "w1")])


# TODO(migrate-agent): [MA001] `WhoAmI.predict(self, context, model_input, params)` does not have the ResponsesAgent signature (self, request); convert this export by hand (see README, 'What is migrated')
mlflow.models.set_model(WhoAmI())
