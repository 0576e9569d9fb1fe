import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

import workspace_tools
from workspace_tools import USER_CLIENT


class WhoAmI(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        me = USER_CLIENT.current_user.me()
        text = f"{me.display_name} is {workspace_tools.user_name()}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "w1")])


mlflow.models.set_model(WhoAmI())
