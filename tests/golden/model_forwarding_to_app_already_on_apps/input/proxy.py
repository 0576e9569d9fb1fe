import mlflow
import requests
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import PythonModel


class AppProxy(PythonModel):
    def predict(self, context, model_input, params=None):
        w = WorkspaceClient()
        url = w.apps.get("support-app").url
        return requests.post(f"{url}/invocations", json=model_input, headers=w.config.authenticate()).json()


mlflow.models.set_model(AppProxy())
