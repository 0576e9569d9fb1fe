# Databricks notebook source
# MAGIC %md
# MAGIC Scores the open tickets with the support agent (`support-answers`).

# COMMAND ----------

dbutils.widgets.text("endpoint", "support-answers")

# COMMAND ----------

# MAGIC %sql
# MAGIC SELECT ticket_id, ai_query('support-answers', question) AS answer
# MAGIC FROM main.support.open_tickets

# COMMAND ----------

from databricks.sdk import WorkspaceClient

w = WorkspaceClient()
client = w.serving_endpoints.get_open_ai_client()
reply = client.responses.create(model="support-answers", input="Which tickets are urgent?")
print(reply.output_text)
