import mlflow

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        artifacts={"system_prompt": "prompts/system.txt"},
        model_config={"greeting": "Hello"},
    )
