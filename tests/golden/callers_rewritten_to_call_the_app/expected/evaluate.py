"""Asks the deployed agent a few questions."""

from databricks.sdk import WorkspaceClient
from databricks_openai import DatabricksOpenAI

ENDPOINT = "agents_main-agents-answer_agent"
w = WorkspaceClient()
client = w.serving_endpoints.get_open_ai_client()


def ask_chat(question: str) -> str:
    completion = DatabricksOpenAI(workspace_client=w).responses.create(
        model="apps/answer-agent",
        input=[{"role": "user", "content": question}],
    )
    return completion.output_text


def ask_responses(question: str) -> str:
    response = DatabricksOpenAI(workspace_client=w).responses.create(model="apps/answer-agent", input=[{"role": "user", "content": question}])
    return response.output_text


def ask_sdk(question: str) -> str:
    answer = DatabricksOpenAI(workspace_client=w).responses.create(model="apps/answer-agent", input=[{"role": "user", "content": question}])
    return answer.output_text


if __name__ == "__main__":
    print(ask_chat("What is Databricks?"))
    print(ask_responses("What is an app?"))
