import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Greeter(ResponsesAgent):
    def __init__(self, greeting="Hello"):
        self.greeting = greeting

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        name = request.input[-1].content
        return ResponsesAgentResponse(
            output=[self.create_text_output_item(f"{self.greeting}, {name}!", "g1")]
        )


mlflow.models.set_model(Greeter(greeting="Hi"))
