import mlflow
from mlflow.models.resources import DatabricksVectorSearchIndex

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksVectorSearchIndex("main.docs.docs_index")],
    )
