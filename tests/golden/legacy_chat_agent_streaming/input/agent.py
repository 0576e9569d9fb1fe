"""A ChatAgent in the shape of Databricks' LangGraph ChatAgent template, without LangGraph:
messages go to a Databricks-hosted LLM; predict collects what predict_stream yields."""

import uuid
from typing import Any, Generator, Optional

import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ChatAgent
from mlflow.types.agent import ChatAgentChunk, ChatAgentMessage, ChatAgentResponse, ChatContext

LLM_ENDPOINT_NAME = "databricks-claude"


class LangGraphChatAgent(ChatAgent):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(
        self,
        messages: list[ChatAgentMessage],
        context: Optional[ChatContext] = None,
        custom_inputs: Optional[dict[str, Any]] = None,
    ) -> ChatAgentResponse:
        messages_out = [chunk.delta for chunk in self.predict_stream(messages, context, custom_inputs)]
        merged = "".join(m.content for m in messages_out)
        return ChatAgentResponse(
            messages=[ChatAgentMessage(role="assistant", content=merged, id=messages_out[0].id)],
            custom_outputs=custom_inputs,
        )

    def predict_stream(
        self,
        messages: list[ChatAgentMessage],
        context: Optional[ChatContext] = None,
        custom_inputs: Optional[dict[str, Any]] = None,
    ) -> Generator[ChatAgentChunk, None, None]:
        request = {"messages": self._convert_messages_to_dict(messages)}
        message_id = str(uuid.uuid4())
        for chunk in self.client.chat.completions.create(
            model=LLM_ENDPOINT_NAME, messages=request["messages"], stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                yield ChatAgentChunk(
                    delta=ChatAgentMessage(
                        role="assistant", content=chunk.choices[0].delta.content, id=message_id
                    )
                )


mlflow.openai.autolog()
AGENT = LangGraphChatAgent()
mlflow.models.set_model(AGENT)
