# Databricks notebook source
# MAGIC %pip install -U mlflow

# COMMAND ----------

import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

# COMMAND ----------

class NoteAgent(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"note: {request.input[-1].content}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "n1")])

# COMMAND ----------

AGENT = NoteAgent()
mlflow.models.set_model(AGENT)
