import mlflow
from mlflow.models.resources import DatabricksUCConnection

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksUCConnection(connection_name="github_conn")],
    )
