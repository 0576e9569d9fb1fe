import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

# Module-level clients: the service identity, and the invoking user's identity.
service_client = WorkspaceClient()
user_client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
user_llm = user_client.serving_endpoints.get_open_ai_client()


class MixedAgent(ResponsesAgent):
    def __init__(self):
        self.service_llm = service_client.serving_endpoints.get_open_ai_client()
        self.history = []

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        self.history.append(request.input[-1].content)
        me = user_client.current_user.me()
        question = request.input[-1].content
        summary = self.service_llm.chat.completions.create(
            model="databricks-llama", messages=[{"role": "user", "content": question}]
        )
        personal = user_llm.chat.completions.create(
            model="databricks-llama",
            messages=[{"role": "user", "content": f"{me.user_name}: {question}"}],
        )
        text = (
            f"{summary.choices[0].message.content} | {personal.choices[0].message.content}"
            f" | turns={len(self.history)}"
        )
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "x1")])


AGENT = MixedAgent()
mlflow.models.set_model(AGENT)
