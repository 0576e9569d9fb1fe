import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Echo(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(request.input[-1].content, "e1")])


AGENT = Echo()
mlflow.models.set_model(AGENT)


def is_ready() -> bool:
    return isinstance(AGENT, Echo)
