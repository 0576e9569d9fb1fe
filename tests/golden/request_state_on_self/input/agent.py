import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class StatefulAgent(ResponsesAgent):
    def __init__(self):
        self.llm = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def _ask(self):
        reply = self.llm.chat.completions.create(model="databricks-llama", messages=self.messages)
        return reply.choices[0].message.content

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        # Conversation state kept on self for the duration of one request.
        self.messages = self.prep_msgs_for_cc_llm(request.input)
        return ResponsesAgentResponse(output=[self.create_text_output_item(self._ask(), "s1")])


mlflow.models.set_model(StatefulAgent())
