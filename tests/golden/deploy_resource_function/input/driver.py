import mlflow
from mlflow.models.resources import DatabricksFunction

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksFunction(function_name="main.tools.lookup_order")],
    )
