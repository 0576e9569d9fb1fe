import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

LLM_ENDPOINT = "databricks-claude"


class EchoAgent(ResponsesAgent):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    @mlflow.trace(span_type="LLM")
    def call_llm(self, messages):
        return self.client.chat.completions.create(model=LLM_ENDPOINT, messages=messages, stream=True)

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        outputs = [
            event.item
            for event in self.predict_stream(request)
            if event.type == "response.output_item.done"
        ]
        return ResponsesAgentResponse(output=outputs, custom_outputs=request.custom_inputs)

    def predict_stream(self, request: ResponsesAgentRequest):
        messages = self.prep_msgs_for_cc_llm([i.model_dump() for i in request.input])
        item_id = "msg-1"
        text = ""
        for chunk in self.call_llm(messages):
            if chunk.choices and chunk.choices[0].delta.content:
                delta = chunk.choices[0].delta.content
                text += delta
                yield ResponsesAgentStreamEvent(**self.create_text_delta(delta=delta, item_id=item_id))
        yield ResponsesAgentStreamEvent(
            type="response.output_item.done",
            item=self.create_text_output_item(text=text, id=item_id),
        )


AGENT = EchoAgent()
mlflow.models.set_model(AGENT)
