import mlflow

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        pip_requirements=["mlflow==3.1.0", "openai-agents==0.2.3", "opencv-python==4.10.0.84"],
    )
