"""The project's agent building blocks, in one place."""

from mlflow.pyfunc import ChatAgent  # noqa: F401  (re-exported for the agents)
