import mlflow
from databricks import agents

with mlflow.start_run():
    logged = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")

UC_MODEL = "main.agents.answer_agent"
registered = mlflow.register_model(logged.model_uri, UC_MODEL)
agents.deploy(UC_MODEL, registered.version, endpoint_name="support-answers")
