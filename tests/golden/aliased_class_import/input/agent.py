from databricks.sdk import WorkspaceClient
from mlflow.models import set_model
from mlflow.pyfunc import ResponsesAgent as RA
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Base:
    greeting = "hello"


class Agent(Base, RA):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        messages = self.prep_msgs_for_cc_llm(request.input)
        reply = self.client.chat.completions.create(model="databricks-llama", messages=messages)
        text = f"{self.greeting}: {reply.choices[0].message.content}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "y1")])


set_model(Agent())
