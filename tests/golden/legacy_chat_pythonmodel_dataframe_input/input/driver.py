import mlflow

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        input_example={"messages": [{"role": "user", "content": "What is MLflow?"}]},
    )
