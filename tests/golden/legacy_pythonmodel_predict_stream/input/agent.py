"""A chat PythonModel with predict_stream yielding the answer's text as strings; logged without
signature or input example, so both methods got the request's dict."""

import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import PythonModel

LLM_ENDPOINT = "databricks-claude"


class StreamingChat(PythonModel):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, context, model_input, params=None):
        completion = self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=model_input["messages"]
        )
        return {
            "id": "chat-1",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": completion.choices[0].message.content}}],
        }

    def predict_stream(self, context, model_input, params=None):
        for chunk in self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=model_input.get("messages"), stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                yield chunk.choices[0].delta.content


mlflow.models.set_model(StreamingChat())
