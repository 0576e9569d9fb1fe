import copy
from typing import AsyncIterator

from databricks.sdk import WorkspaceClient
from mlflow.genai.agent_server import invoke, stream
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
    create_text_output_item,
)

from agent_server_utils import (
    LazyAgent,
    get_user_workspace_client,
    once_per_process,
    output_item_done_events,
    request_scoped,
    run_in_thread,
)

# Module-level clients: the service identity, and the invoking user's identity.
service_client = WorkspaceClient()


@request_scoped
def user_client():
    """Per request: built from the calling user's identity."""
    return get_user_workspace_client()


@request_scoped
def user_llm():
    """Per request: built from the calling user's identity."""
    return user_client().serving_endpoints.get_open_ai_client()


# TODO(migrate-agent): [MA004] self.history: state kept on the agent between requests no longer persists (the agent is built per request for the calling user); on Model Serving it was shared by every caller. If it is needed, keep it in a store keyed by user / conversation
class MixedAgent:
    def __init__(self):
        self.service_llm = service_client.serving_endpoints.get_open_ai_client()

    def init_request_scope(self):
        """State built from the calling user's identity: runs once per request, on this request's copy of the agent."""
        self.history = []

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        self.history.append(request.input[-1].content)
        me = user_client().current_user.me()
        question = request.input[-1].content
        summary = self.service_llm.chat.completions.create(
            model="databricks-llama", messages=[{"role": "user", "content": question}]
        )
        personal = user_llm().chat.completions.create(
            model="databricks-llama",
            messages=[{"role": "user", "content": f"{me.user_name}: {question}"}],
        )
        text = (
            f"{summary.choices[0].message.content} | {personal.choices[0].message.content}"
            f" | turns={len(self.history)}"
        )
        return ResponsesAgentResponse(output=[create_text_output_item(text, "x1")])


@once_per_process
def get_agent() -> MixedAgent:
    """The agent, built on first use and shared by every request of this process."""
    return MixedAgent()


def request_agent() -> MixedAgent:
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
