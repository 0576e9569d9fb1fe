import json
from typing import AsyncIterator

import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_function_call_item,
    create_function_call_output_item,
    create_text_output_item,
    to_chat_completions_input,
)

from agent_server_utils import (
    LazyAgent,
    iterate_in_thread,
    once_per_process,
    run_in_thread,
)

SYSTEM_PROMPT = "You are terse."


class ToolAgent:
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()
        self.model = "databricks-llama"

    def _system(self):
        return [{"role": "system", "content": SYSTEM_PROMPT}]

    def _conversation(self, request):
        return self._system() + to_chat_completions_input(request.input)

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
            create_function_call_item(
                id="fc1", call_id="call1", name="lookup", arguments=messages[-1]["content"]
            ),
            create_function_call_output_item(call_id="call1", output=tool_output),
            create_text_output_item(text=reply, id="m1"),
        ]

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=self._answer(request))

    def predict_stream(self, request: ResponsesAgentRequest):
        for item in self._answer(request):
            yield ResponsesAgentStreamEvent(type="response.output_item.done", item=item)


@once_per_process
def get_agent() -> ToolAgent:
    """The agent, built on first use and shared by every request of this process."""
    return ToolAgent()


AGENT = LazyAgent(get_agent)  # the old name, for code that imports it; built on first use


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(agent.predict, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    async for event in iterate_in_thread(agent.predict_stream, request):
        yield event
