"""A chat agent on a Databricks-hosted LLM, answering whole or streamed."""

import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

LLM_ENDPOINT = "databricks-claude"


class LlmAgent(ResponsesAgent):
    def __init__(self):
        # The OpenAI client is built once; it authenticates as the serving identity.
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def _messages(self, request: ResponsesAgentRequest):
        return self.prep_msgs_for_cc_llm([item.model_dump() for item in request.input])

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        completion = self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=self._messages(request)
        )
        text = completion.choices[0].message.content
        return ResponsesAgentResponse(
            output=[self.create_text_output_item(text=text, id="msg-1")],
            custom_outputs=request.custom_inputs,
        )

    def predict_stream(self, request: ResponsesAgentRequest):
        text = ""
        for chunk in self.client.chat.completions.create(
            model=LLM_ENDPOINT, messages=self._messages(request), stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                delta = chunk.choices[0].delta.content
                text += delta
                yield ResponsesAgentStreamEvent(**self.create_text_delta(delta=delta, item_id="msg-1"))
        yield ResponsesAgentStreamEvent(
            type="response.output_item.done",
            item=self.create_text_output_item(text=text, id="msg-1"),
        )


mlflow.openai.autolog()
AGENT = LlmAgent()
mlflow.models.set_model(AGENT)
