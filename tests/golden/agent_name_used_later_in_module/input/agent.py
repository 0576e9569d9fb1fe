import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Echo(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(request.input[-1].content, "e1")])


AGENT = Echo()
AGENT.greeting = "hi"

mlflow.models.set_model(AGENT)

# Try it (a notebook cell).
AGENT.predict(ResponsesAgentRequest(input=[{"role": "user", "content": "ping"}]))
