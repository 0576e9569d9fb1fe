import mlflow
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse

from agent_types import ChatAgent


class EchoAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None) -> ChatAgentResponse:
        text = messages[-1].content
        return ChatAgentResponse(messages=[ChatAgentMessage(role="assistant", content=f"echo: {text}", id="m1")])


mlflow.models.set_model(EchoAgent())
