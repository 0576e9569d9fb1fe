# Databricks notebook source
# MAGIC %pip install -U mlflow openai databricks-sdk

# COMMAND ----------

dbutils.library.restartPython()

# COMMAND ----------

# MAGIC %%writefile agent.py
# MAGIC import mlflow
# MAGIC from databricks.sdk import WorkspaceClient
# MAGIC from mlflow.pyfunc import ResponsesAgent
# MAGIC from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse
# MAGIC
# MAGIC from prompts import SYSTEM_PROMPT
# MAGIC
# MAGIC LLM_ENDPOINT_NAME = "databricks-claude-sonnet-4"
# MAGIC
# MAGIC
# MAGIC class AnswerAgent(ResponsesAgent):
# MAGIC     def __init__(self):
# MAGIC         self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()
# MAGIC
# MAGIC     def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
# MAGIC         messages = [{"role": "system", "content": SYSTEM_PROMPT}]
# MAGIC         messages += self.prep_msgs_for_cc_llm(request.input)
# MAGIC         completion = self.client.chat.completions.create(model=LLM_ENDPOINT_NAME, messages=messages)
# MAGIC         return ResponsesAgentResponse(
# MAGIC             output=[self.create_text_output_item(text=completion.choices[0].message.content, id="a1")]
# MAGIC         )
# MAGIC
# MAGIC
# MAGIC AGENT = AnswerAgent()
# MAGIC mlflow.models.set_model(AGENT)

# COMMAND ----------

import mlflow
from mlflow.models.resources import DatabricksServingEndpoint

from agent import LLM_ENDPOINT_NAME

with mlflow.start_run():
    logged = mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        code_paths=["prompts.py"],
        resources=[DatabricksServingEndpoint(endpoint_name=LLM_ENDPOINT_NAME)],
    )
