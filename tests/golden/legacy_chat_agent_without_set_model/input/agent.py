"""A ChatAgent logged as an object (log_model(python_model=EchoAgent())), never set_model."""

from mlflow.pyfunc import ChatAgent
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse


class EchoAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None):
        return ChatAgentResponse(
            messages=[ChatAgentMessage(role="assistant", content=messages[-1].content, id="echo-1")]
        )
