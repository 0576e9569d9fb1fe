import mlflow
from mlflow.models.resources import DatabricksApp

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksApp(app_name="search-service")],
    )
