import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

_AGENT = None


class Echo(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(request.input[-1].content, "e1")])


def get_agent() -> Echo:
    global _AGENT
    if _AGENT is None:
        _AGENT = Echo()
        mlflow.models.set_model(_AGENT)
    return _AGENT


get_agent()
