import mlflow

config = {"llm_endpoint": "databricks-claude-3-7-sonnet", "temperature": 0.1, "system_prompt": "You are helpful."}

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        model_config=config,
        input_example={"input": [{"role": "user", "content": "Where is my order?"}]},
    )
