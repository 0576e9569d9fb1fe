import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

type Row = dict[str, str]


class Lister(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        rows: list[Row] = [{"name": request.input[-1].content}]
        text = ", ".join(f"{r["name"]}" for r in rows)
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "l1")])


mlflow.models.set_model(Lister())
