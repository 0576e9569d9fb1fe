import json

import mlflow
from mlflow.pyfunc import PythonModel


# TODO(migrate-agent): [MA003] `IndexedModel` is not converted: it reads `context.artifacts`, but artifact `index` (`log_model(artifacts=...)` at driver.py:3) is not a file of the project (absolute, DBFS, volume or remote paths are not shipped with an app): copy it into the project and log it from there, or read it from a volume by hand; it keeps running on Model Serving as it is (see README, 'ChatAgent, ChatModel, PythonModel')
class IndexedModel(PythonModel):
    def load_context(self, context):
        with open(context.artifacts["index"], encoding="utf-8") as file:
            self.index = json.load(file)

    def predict(self, context, model_input, params=None):
        question = model_input["messages"][-1]["content"]
        return self.index.get(question, "I do not know.")


mlflow.models.set_model(IndexedModel())
