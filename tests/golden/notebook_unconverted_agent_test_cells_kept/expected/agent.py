# Databricks notebook source
import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

# COMMAND ----------

class OddAgent(ResponsesAgent):
    def predict(self, context, model_input, params):
        return ResponsesAgentResponse(output=[])

# COMMAND ----------

AGENT = OddAgent()
# TODO(migrate-agent): [MA001] `OddAgent.predict(self, context, model_input, params)` does not have the ResponsesAgent signature (self, request); convert this export by hand (see README, 'What is migrated')
mlflow.models.set_model(AGENT)

# COMMAND ----------

display(AGENT.predict({"input": [{"role": "user", "content": "hi"}]}))
