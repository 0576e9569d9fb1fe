import mlflow
from mlflow.models.resources import DatabricksUCModelService

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksUCModelService(model_service_name="main.ml.ranker")],
    )
