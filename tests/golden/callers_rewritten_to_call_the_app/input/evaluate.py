"""Asks the deployed agent a few questions."""

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.serving import ChatMessage, ChatMessageRole

ENDPOINT = "agents_main-agents-answer_agent"
w = WorkspaceClient()
client = w.serving_endpoints.get_open_ai_client()


def ask_chat(question: str) -> str:
    completion = client.chat.completions.create(
        model=ENDPOINT,
        messages=[{"role": "user", "content": question}],
    )
    return completion.choices[0].message.content


def ask_responses(question: str) -> str:
    response = client.responses.create(model=ENDPOINT, input=[{"role": "user", "content": question}])
    return response.output_text


def ask_sdk(question: str) -> str:
    answer = w.serving_endpoints.query(
        name=ENDPOINT, messages=[ChatMessage(role=ChatMessageRole.USER, content=question)]
    )
    return answer.choices[0].message.content


if __name__ == "__main__":
    print(ask_chat("What is Databricks?"))
    print(ask_responses("What is an app?"))
