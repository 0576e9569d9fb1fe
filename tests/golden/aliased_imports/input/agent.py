import mlflow.models as mm
from databricks.sdk import WorkspaceClient as WC
from mlflow import pyfunc
from mlflow.types.responses import ResponsesAgentRequest as Req
from mlflow.types.responses import ResponsesAgentResponse as Resp


class AliasAgent(pyfunc.ResponsesAgent):
    def __init__(self):
        self.client = WC().serving_endpoints.get_open_ai_client()

    def predict(self, request: Req) -> Resp:
        messages = self.prep_msgs_for_cc_llm(request.input)
        reply = self.client.chat.completions.create(model="databricks-llama", messages=messages)
        return Resp(output=[self.create_text_output_item(reply.choices[0].message.content, "x1")])


agent = AliasAgent()
mm.set_model(agent)
