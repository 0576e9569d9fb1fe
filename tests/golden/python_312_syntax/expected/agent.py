from typing import AsyncIterator

from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import once_per_process, output_item_done_events, run_in_thread

# TODO(migrate-agent): [MA006] a `type X = ...` statement (PEP 695, Python 3.12+): Databricks Apps runs Python 3.11, where this does not parse; rewrite it for 3.11
type Row = dict[str, str]


class Lister:
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        rows: list[Row] = [{"name": request.input[-1].content}]
        # TODO(migrate-agent): [MA006] an f-string that reuses its quote " inside {...} (PEP 701, Python 3.12+): Databricks Apps runs Python 3.11, where this does not parse; rewrite it for 3.11
        text = ", ".join(f"{r["name"]}" for r in rows)
        return ResponsesAgentResponse(output=[create_text_output_item(text, "l1")])


@once_per_process
def get_agent() -> Lister:
    """The agent, built on first use and shared by every request of this process."""
    return Lister()


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(get_agent)
    return await run_in_thread(agent.predict, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(get_agent)
    response = await run_in_thread(agent.predict, request)
    for event in output_item_done_events(response):
        yield event
