"""Helpers the agent imports relatively: it only works imported as pkg.agent."""

ENDPOINT = "databricks-llama"


def first_text(completion) -> str:
    return completion.choices[0].message.content
