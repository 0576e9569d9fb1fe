import copy
from typing import AsyncIterator

from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
    to_chat_completions_input,
)

from agent_server_utils import (
    LazyAgent,
    get_user_workspace_client,
    once_per_process,
    output_item_done_events,
    run_in_thread,
)

LLM_ENDPOINT = "databricks-llama"


class DocsAgent:
    def __init__(self):
        # Service identity: the LLM is queried as the serving endpoint's principal.
        self.llm = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def init_request_scope(self):
        """State built from the calling user's identity: runs once per request, on this request's copy of the agent."""
        # On behalf of the user: searches see only what the user may read.
        self.user_client = get_user_workspace_client()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        me = self.user_client.current_user.me()
        messages = [{"role": "system", "content": f"The user is {me.user_name}."}]
        messages += to_chat_completions_input(request.input)
        reply = self.llm.chat.completions.create(model=LLM_ENDPOINT, messages=messages)
        return ResponsesAgentResponse(
            output=[create_text_output_item(reply.choices[0].message.content, "d1")]
        )


@once_per_process
def get_agent() -> DocsAgent:
    """The agent, built on first use and shared by every request of this process."""
    return DocsAgent()


def request_agent() -> DocsAgent:
    """This request's own copy of the agent: per-process state shared, request state its own."""
    agent = copy.copy(get_agent())
    agent.init_request_scope()
    return agent


AGENT = LazyAgent(request_agent)  # the old name, for code that imports it; built on first use


@invoke()
async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread(request_agent)
    return await run_in_thread(agent.predict, request)


@stream()
async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread(request_agent)
    response = await run_in_thread(agent.predict, request)
    for event in output_item_done_events(response):
        yield event
