import mlflow
from mlflow.models.resources import DatabricksServingEndpoint, DatabricksTable

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[
            DatabricksServingEndpoint(endpoint_name="databricks-claude-3-7-sonnet"),
            DatabricksTable(table_name="main.sales.orders"),
        ],
    )
