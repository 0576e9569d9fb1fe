"""Formatting shared by the agent's answers."""


def describe(row: dict) -> str:
    return f"{row["name"]} ({row["kind"]})"
