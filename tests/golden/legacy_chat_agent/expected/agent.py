import mlflow
from mlflow.pyfunc import ChatAgent
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse


# TODO(migrate-agent): [MA003] `OldAgent` is a ChatAgent: port predict/predict_stream to ResponsesAgent (ResponsesAgentRequest in, ResponsesAgentResponse / ResponsesAgentStreamEvent out), then run migrate-agent again
class OldAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None) -> ChatAgentResponse:
        return ChatAgentResponse(messages=[ChatAgentMessage(role="assistant", content="hi", id="1")])


mlflow.models.set_model(OldAgent())
