import mlflow

mlflow.pyfunc.log_model(
    name="agent",
    python_model="agent.py",
    artifacts={"index": "/Volumes/main/default/files/index.json"},
)
