import mlflow
from databricks import agents
from databricks.sdk import WorkspaceClient

w = WorkspaceClient()
client = w.serving_endpoints.get_open_ai_client()
print(client.chat.completions.create(model="answers", messages=[{"role": "user", "content": "Hi"}]))

with mlflow.start_run():
    logged = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")

UC_MODEL = "main.agents.answer_agent"
registered = mlflow.register_model(logged.model_uri, UC_MODEL)
agents.deploy(UC_MODEL, registered.version, endpoint_name="answers")

reply = client.responses.create(model="answers", input=[{"role": "user", "content": "Hello"}])
print(reply.output_text)
