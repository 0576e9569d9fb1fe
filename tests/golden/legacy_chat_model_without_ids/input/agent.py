"""A ChatModel on a Databricks-hosted LLM that, like MLflow's own ChatModel example, leaves the
optional ids out: no ChatCompletionResponse.id, no chunk ids."""

import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ChatModel
from mlflow.types.llm import (
    ChatChoice,
    ChatChoiceDelta,
    ChatChunkChoice,
    ChatCompletionChunk,
    ChatCompletionResponse,
    ChatMessage,
)

LLM_ENDPOINT = "databricks-claude"


class CompletionModel(ChatModel):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def _messages(self, messages):
        return [{"role": m.role, "content": m.content} for m in messages]

    def predict(self, context, messages, params):
        completion = self.client.chat.completions.create(model=LLM_ENDPOINT, messages=self._messages(messages))
        text = completion.choices[0].message.content
        return ChatCompletionResponse(choices=[ChatChoice(index=0, message=ChatMessage(role="assistant", content=text))])

    def predict_stream(self, context, messages, params):
        for chunk in self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=self._messages(messages), stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                delta = ChatChoiceDelta(role="assistant", content=chunk.choices[0].delta.content)
                yield ChatCompletionChunk(choices=[ChatChunkChoice(index=0, delta=delta)])


mlflow.models.set_model(CompletionModel())
