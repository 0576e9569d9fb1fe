import mlflow
import requests
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import PythonModel


# TODO(migrate-agent): [MA003] `AppProxy` forwards to the Databricks App `support-app` (the only resource logged with the model, driver.py:8): the agent already runs on Databricks Apps, so there is nothing to convert. What is left: point the callers of the Model Serving endpoint at the app (`POST <app url>/invocations`, with an OAuth token), then retire the endpoint and the driver code that logs and deploys this model
class AppProxy(PythonModel):
    def predict(self, context, model_input, params=None):
        w = WorkspaceClient()
        url = w.apps.get("support-app").url
        return requests.post(f"{url}/invocations", json=model_input, headers=w.config.authenticate()).json()


mlflow.models.set_model(AppProxy())
