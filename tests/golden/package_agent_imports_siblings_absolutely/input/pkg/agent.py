import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

from pkg import settings
from pkg.replies import reply


class AbsoluteImportsAgent(ResponsesAgent):
    """pkg/agent.py importing its siblings as pkg.<module> (the project root on sys.path)."""

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = reply(settings.NAME, request.input[-1].content)
        return ResponsesAgentResponse(output=[self.create_text_output_item(text=text, id="abs1")])


AGENT = AbsoluteImportsAgent()
mlflow.models.set_model(AGENT)
