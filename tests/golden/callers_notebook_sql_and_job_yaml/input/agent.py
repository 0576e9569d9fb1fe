import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class AnswerAgent(ResponsesAgent):
    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        messages = self.prep_msgs_for_cc_llm(request.input)
        completion = self.client.chat.completions.create(model=self.endpoint, messages=messages)
        return ResponsesAgentResponse(
            output=[self.create_text_output_item(text=completion.choices[0].message.content, id="a1")]
        )


AGENT = AnswerAgent(endpoint="databricks-llama")
mlflow.models.set_model(AGENT)
