"""A chat PythonModel whose predict is typed with MLflow's ChatCompletionRequest and reads the
messages in a helper method; logged with a signature, so Model Serving handed it the request as
that dataclass."""

import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.models.rag_signatures import ChatCompletionRequest
from mlflow.pyfunc import PythonModel

LLM_ENDPOINT = "databricks-claude"


class HelperChat(PythonModel):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def _messages(self, request):
        if isinstance(request, ChatCompletionRequest):
            return [{"role": m.role, "content": m.content} for m in request.messages]
        return list(request["messages"])

    def predict(self, context, model_input: ChatCompletionRequest, params=None):
        messages = self._messages(model_input)
        completion = self.client.chat.completions.create(model=LLM_ENDPOINT, messages=messages)
        answer = completion.choices[0].message.content
        return {
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}],
            "custom_outputs": {"received": type(model_input).__name__},
        }


mlflow.models.set_model(HelperChat())
