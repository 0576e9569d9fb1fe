# Databricks notebook source
# MAGIC %md
# MAGIC Scores the open tickets with the support agent (`support-answers`).

# COMMAND ----------

from databricks_openai import DatabricksOpenAI

# TODO(migrate-agent): [MA009] `dbutils.widgets.text("endpoint", "support-answers")` is given the name of the endpoint `support-answers`: if it calls the endpoint, call the app with `DatabricksOpenAI(workspace_client=WorkspaceClient()).responses.create(model="apps/support-answers", input=...)` (package databricks-openai; answer text in `.output_text`; Apps accept OAuth tokens only, not personal access tokens)
dbutils.widgets.text("endpoint", "support-answers")

# COMMAND ----------

# MAGIC %sql
# MAGIC SELECT ticket_id, ai_query('support-answers', question) AS answer
# MAGIC FROM main.support.open_tickets

# COMMAND ----------

from databricks.sdk import WorkspaceClient

w = WorkspaceClient()
client = w.serving_endpoints.get_open_ai_client()
reply = DatabricksOpenAI(workspace_client=w).responses.create(model="apps/support-answers", input="Which tickets are urgent?")
print(reply.output_text)
