import mlflow
from mlflow.models.resources import DatabricksTable

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksTable(table_name="main.sales.orders")],
    )
