import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentStreamEvent


class StreamingAgent(ResponsesAgent):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict_stream(self, request: ResponsesAgentRequest):
        messages = self.prep_msgs_for_cc_llm(request.input)
        text = ""
        stream = self.client.chat.completions.create(
            model="databricks-llama", messages=messages, stream=True
        )
        for chunk in stream:
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                text += delta
                yield ResponsesAgentStreamEvent(**self.create_text_delta(delta, "s1"))
        yield ResponsesAgentStreamEvent(
            type="response.output_item.done", item=self.create_text_output_item(text, "s1")
        )


mlflow.models.set_model(StreamingAgent())
