import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

GENIE_SPACE_ID = "01f0a1b2c3d4"
INDEX = "main.docs.chunks_index"


def search_docs(client: WorkspaceClient, text: str) -> str:
    result = client.vector_search_indexes.query_index(
        index_name=INDEX, columns=["text"], query_text=text, num_results=1
    )
    rows = result.result.data_array or []
    return " ".join(str(row[0]) for row in rows)


class SalesAgent(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        user_client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        space = user_client.genie.get_space(GENIE_SPACE_ID)
        docs = search_docs(user_client, request.input[-1].content)
        return ResponsesAgentResponse(output=[self.create_text_output_item(f"{space.title}: {docs}", "s1")])


mlflow.models.set_model(SalesAgent())
