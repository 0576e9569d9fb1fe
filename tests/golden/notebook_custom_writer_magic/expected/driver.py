# Databricks notebook source
LLM_ENDPOINT = "databricks-llama"

# COMMAND ----------

from IPython.core.magic import register_cell_magic


@register_cell_magic
def writefilev(line, cell):
    with open(line.strip(), "w") as f:
        f.write(cell.replace("{{LLM_ENDPOINT}}", LLM_ENDPOINT))

# COMMAND ----------

# MAGIC %%writefilev agent.py
# MAGIC import mlflow
# MAGIC from databricks.sdk import WorkspaceClient
# MAGIC from mlflow.pyfunc import ResponsesAgent
# MAGIC from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse
# MAGIC
# MAGIC
# MAGIC class AnswerAgent(ResponsesAgent):
# MAGIC     def __init__(self, endpoint: str):
# MAGIC         self.endpoint = endpoint
# MAGIC         self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()
# MAGIC
# MAGIC     def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
# MAGIC         messages = self.prep_msgs_for_cc_llm(request.input)
# MAGIC         completion = self.client.chat.completions.create(model=self.endpoint, messages=messages)
# MAGIC         return ResponsesAgentResponse(
# MAGIC             output=[self.create_text_output_item(text=completion.choices[0].message.content, id="a1")]
# MAGIC         )
# MAGIC
# MAGIC
# MAGIC AGENT = AnswerAgent(endpoint="{{LLM_ENDPOINT}}")
# MAGIC mlflow.models.set_model(AGENT)

# COMMAND ----------

import mlflow
from mlflow.models.resources import DatabricksServingEndpoint

with mlflow.start_run():
    logged = mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksServingEndpoint(endpoint_name="databricks-llama")],
    )
