import mlflow
from mlflow.models import infer_signature

EXAMPLE = {"messages": [{"role": "user", "content": "What is MLflow?"}]}

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        signature=infer_signature(EXAMPLE),
    )
