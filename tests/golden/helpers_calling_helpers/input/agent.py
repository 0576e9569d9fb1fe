import json

import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

SYSTEM_PROMPT = "You are terse."


class ToolAgent(ResponsesAgent):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()
        self.model = "databricks-llama"

    def _system(self):
        return [{"role": "system", "content": SYSTEM_PROMPT}]

    def _conversation(self, request):
        return self._system() + self.prep_msgs_for_cc_llm(request.input)

    @mlflow.trace(span_type="TOOL")
    def _lookup(self, question):
        # A local "tool": its result is part of the answer.
        return json.dumps({"question_length": len(question)})

    @mlflow.trace(span_type="LLM")
    def _complete(self, messages):
        return self.client.chat.completions.create(model=self.model, messages=messages)

    def _answer(self, request):
        messages = self._conversation(request)
        tool_output = self._lookup(messages[-1]["content"])
        reply = self._complete(messages).choices[0].message.content
        return [
            self.create_function_call_item(
                id="fc1", call_id="call1", name="lookup", arguments=messages[-1]["content"]
            ),
            self.create_function_call_output_item(call_id="call1", output=tool_output),
            self.create_text_output_item(text=reply, id="m1"),
        ]

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=self._answer(request))

    def predict_stream(self, request: ResponsesAgentRequest):
        for item in self._answer(request):
            yield ResponsesAgentStreamEvent(type="response.output_item.done", item=item)


AGENT = ToolAgent()
mlflow.models.set_model(AGENT)
