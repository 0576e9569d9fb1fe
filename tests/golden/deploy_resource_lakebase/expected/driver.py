import mlflow
from mlflow.models.resources import DatabricksLakebase

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksLakebase(database_instance_name="agent-memory")],
    )
