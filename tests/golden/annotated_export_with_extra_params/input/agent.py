import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Echo(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest, trace=None) -> ResponsesAgentResponse:
        text = request.input[-1].content
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "e1")])

    def predict_stream(self, request: ResponsesAgentRequest, extra=None, *, verbose: bool = False):
        text = request.input[-1].content
        yield self.create_text_delta(text, "e1")
        yield {"type": "response.output_item.done", "item": self.create_text_output_item(text, "e1")}


AGENT: ResponsesAgent = Echo()
mlflow.models.set_model(AGENT)
