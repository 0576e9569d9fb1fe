import mlflow
from mlflow.pyfunc import ChatAgent, ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Echo(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(request.input[-1].content, "e1")])


# An experiment never exported: the app does not serve it.
class Shout(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = request.input[-1].content.upper()
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "s1")])


class OldEcho(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None):
        raise NotImplementedError


AGENT = Echo()
mlflow.models.set_model(AGENT)
