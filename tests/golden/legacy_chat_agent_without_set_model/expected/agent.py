"""A ChatAgent logged as an object (log_model(python_model=EchoAgent())), never set_model."""

from mlflow.pyfunc import ChatAgent
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse


# TODO(migrate-agent): [MA003] `EchoAgent` is a ChatAgent not exported with mlflow.models.set_model in this module (logged as an object?): export it with `mlflow.models.set_model(EchoAgent())` (models from code), then run migrate-agent again
class EchoAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None):
        return ChatAgentResponse(
            messages=[ChatAgentMessage(role="assistant", content=messages[-1].content, id="echo-1")]
        )
