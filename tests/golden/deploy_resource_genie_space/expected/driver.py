import mlflow
from mlflow.models.resources import DatabricksGenieSpace

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksGenieSpace(genie_space_id="01ef9b2c3d4e5f60")],
    )
