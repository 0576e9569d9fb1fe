import mlflow
from mlflow.models.resources import DatabricksApp

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="proxy",
        python_model="proxy.py",
        resources=[DatabricksApp(app_name="support-app")],
    )
