# Databricks notebook source
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse

from agent_types import ChatAgent

# COMMAND ----------

class EchoAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None) -> ChatAgentResponse:
        return ChatAgentResponse(messages=[ChatAgentMessage(role="assistant", content="echo", id="m1")])

# COMMAND ----------

# Try the ChatAgent (an unfinished cell)
agent = EchoAgent(
print(agent.predict([{"role": "user", "content": "hi"}]))
