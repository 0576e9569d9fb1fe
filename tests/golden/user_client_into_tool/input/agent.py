import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

from retriever import IndexRetriever

INDEX = "main.docs.chunks_index"


class RetrievalAgent(ResponsesAgent):
    def __init__(self):
        self.llm = WorkspaceClient().serving_endpoints.get_open_ai_client()
        user_client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        self.retriever = IndexRetriever(index_name=INDEX, workspace_client=user_client)

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        question = request.input[-1].content
        context = self.retriever.search(question)
        messages = [
            {"role": "system", "content": f"Context: {context}"},
            {"role": "user", "content": question},
        ]
        reply = self.llm.chat.completions.create(model="databricks-llama", messages=messages)
        return ResponsesAgentResponse(
            output=[self.create_text_output_item(reply.choices[0].message.content, "r1")]
        )


AGENT = RetrievalAgent()
mlflow.models.set_model(AGENT)
