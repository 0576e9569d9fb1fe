import mlflow
from databricks import agents
from databricks.sdk import WorkspaceClient
from databricks_openai import DatabricksOpenAI

w = WorkspaceClient()
client = w.serving_endpoints.get_open_ai_client()
# TODO(migrate-agent): [MA009] `client.chat.completions.create(model="answers", messages=...` calls the endpoint `answers`; its arguments or the way its answer is read (anything but `.choices[0].message.content`) have no safe Responses equivalent: call the app with `DatabricksOpenAI(workspace_client=WorkspaceClient()).responses.create(model="apps/answers", input=...)` (package databricks-openai; answer text in `.output_text`; Apps accept OAuth tokens only, not personal access tokens)
print(client.chat.completions.create(model="answers", messages=[{"role": "user", "content": "Hi"}]))

with mlflow.start_run():
    # TODO(migrate-agent): [MA007] `mlflow.pyfunc.log_model` logs `agent.py` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the logged model would not load: deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
    logged = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")

UC_MODEL = "main.agents.answer_agent"
# TODO(migrate-agent): [MA007] `mlflow.register_model(logged.model_uri, ...)` registers the Model Serving model, which the app does not use (it runs from source): deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
registered = mlflow.register_model(logged.model_uri, UC_MODEL)
# TODO(migrate-agent): [MA007] `agents.deploy(UC_MODEL, ...)` deploys to Model Serving, which the Databricks App replaces: deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy) and remove this call
agents.deploy(UC_MODEL, registered.version, endpoint_name="answers")

reply = DatabricksOpenAI(workspace_client=w).responses.create(model="apps/answers", input=[{"role": "user", "content": "Hello"}])
print(reply.output_text)
