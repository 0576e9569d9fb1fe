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
    get_user_workspace_client,
    once_per_process,
    output_item_done_events,
    run_in_thread,
)

GENIE_SPACE_ID = "01f0a1b2c3d4"
INDEX = "main.docs.chunks_index"


def search_docs(client: WorkspaceClient, text: str) -> str:
    result = client.vector_search_indexes.query_index(
        index_name=INDEX, columns=["text"], query_text=text, num_results=1
    )
    rows = result.result.data_array or []
    return " ".join(str(row[0]) for row in rows)


class SalesAgent:
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        user_client = get_user_workspace_client()
        space = user_client.genie.get_space(GENIE_SPACE_ID)
        docs = search_docs(user_client, request.input[-1].content)
        return ResponsesAgentResponse(output=[create_text_output_item(f"{space.title}: {docs}", "s1")])


@once_per_process
def get_agent() -> SalesAgent:
    """The agent, built on first use and shared by every request of this process."""
    return SalesAgent()


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
