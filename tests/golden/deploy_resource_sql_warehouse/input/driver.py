import mlflow
from mlflow.models.resources import DatabricksSQLWarehouse

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksSQLWarehouse(warehouse_id="4b9b953939869799")],
    )
