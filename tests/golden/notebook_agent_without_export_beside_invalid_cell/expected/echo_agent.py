# Databricks notebook source
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse

from agent_types import ChatAgent

# COMMAND ----------

# TODO(migrate-agent): [MA003] `EchoAgent` is a ChatAgent not exported with mlflow.models.set_model in this module (logged as an object?): export it with `mlflow.models.set_model(EchoAgent())` (models from code), then run migrate-agent again
class EchoAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None) -> ChatAgentResponse:
        return ChatAgentResponse(messages=[ChatAgentMessage(role="assistant", content="echo", id="m1")])

# COMMAND ----------

# Try the ChatAgent (an unfinished cell)
agent = EchoAgent(
print(agent.predict([{"role": "user", "content": "hi"}]))
