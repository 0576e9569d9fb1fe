import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

from .prompts import GREETING, reply_to


class NamespaceAgent(ResponsesAgent):
    """Lives in pkg/, a folder without __init__.py: a namespace package its relative import needs."""

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{GREETING} {reply_to(request.input[-1].content)}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text=text, id="ns1")])


mlflow.models.set_model(NamespaceAgent())
