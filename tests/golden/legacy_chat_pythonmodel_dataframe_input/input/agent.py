"""A chat PythonModel logged with an input example: Model Serving handed its predict a one-row
pandas DataFrame, which it turns back into the request's dict."""

import mlflow
import pandas as pd
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import PythonModel

LLM_ENDPOINT = "databricks-claude"


class DataFrameChat(PythonModel):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, context, model_input, params=None):
        received = type(model_input).__name__
        if isinstance(model_input, pd.DataFrame):
            model_input = model_input.to_dict("records")[0]
        messages = [{"role": m["role"], "content": m["content"]} for m in model_input["messages"]]
        completion = self.client.chat.completions.create(model=LLM_ENDPOINT, messages=messages)
        return {
            "id": "chat-1",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": completion.choices[0].message.content},
                    "finish_reason": "stop",
                }
            ],
            "custom_outputs": {"received": received},
        }


mlflow.models.set_model(DataFrameChat())
