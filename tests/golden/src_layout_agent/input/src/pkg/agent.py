import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

from pkg.formatting import PREFIX, last_text


class SrcLayoutAgent(ResponsesAgent):
    """src/pkg/agent.py, importing its siblings through the package name (src/ on sys.path)."""

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{PREFIX} {last_text(request)}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text=text, id="src1")])


AGENT = SrcLayoutAgent()
mlflow.models.set_model(AGENT)
