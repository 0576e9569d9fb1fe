from mlflow.pyfunc import ChatAgent  # noqa: F401  (re-exported for the agents)
