import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

_AGENT = None


class Echo(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(request.input[-1].content, "e1")])


# TODO(migrate-agent): [MA001] `set_model` runs inside `get_agent()` (a lazy getter or factory): Model Serving exported the agent only when `get_agent()` ran. Export it at module level instead (remove this call; `AGENT = get_agent()` then `mlflow.models.set_model(AGENT)`), then run migrate-agent again; convert this export by hand (see README, 'What is migrated')
def get_agent() -> Echo:
    global _AGENT
    if _AGENT is None:
        _AGENT = Echo()
        mlflow.models.set_model(_AGENT)
    return _AGENT


get_agent()
