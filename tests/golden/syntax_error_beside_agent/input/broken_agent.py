from mlflow.pyfunc import ResponsesAgent


class Broken(ResponsesAgent:
    pass
