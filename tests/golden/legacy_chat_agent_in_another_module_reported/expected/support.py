from mlflow.pyfunc import ChatAgent
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse


class SupportAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None):
        return ChatAgentResponse(messages=[ChatAgentMessage(role="assistant", content="hi", id="m1")])
