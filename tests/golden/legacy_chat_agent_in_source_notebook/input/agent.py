# Databricks notebook source
import mlflow
from mlflow.pyfunc import ChatAgent
from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse

# COMMAND ----------

class OldAgent(ChatAgent):
    def predict(self, messages, context=None, custom_inputs=None) -> ChatAgentResponse:
        return ChatAgentResponse(messages=[ChatAgentMessage(role="assistant", content="hi", id="1")])


mlflow.models.set_model(OldAgent())
