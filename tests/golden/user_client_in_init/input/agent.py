import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

LLM_ENDPOINT = "databricks-llama"


class DocsAgent(ResponsesAgent):
    def __init__(self):
        # Service identity: the LLM is queried as the serving endpoint's principal.
        self.llm = WorkspaceClient().serving_endpoints.get_open_ai_client()
        # On behalf of the user: searches see only what the user may read.
        self.user_client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        me = self.user_client.current_user.me()
        messages = [{"role": "system", "content": f"The user is {me.user_name}."}]
        messages += self.prep_msgs_for_cc_llm(request.input)
        reply = self.llm.chat.completions.create(model=LLM_ENDPOINT, messages=messages)
        return ResponsesAgentResponse(
            output=[self.create_text_output_item(reply.choices[0].message.content, "d1")]
        )


AGENT = DocsAgent()
mlflow.models.set_model(AGENT)
