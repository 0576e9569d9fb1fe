"""Imported relatively by agent.py; pkg/ has no __init__.py."""

GREETING = "namespace agent:"


def reply_to(text) -> str:
    return f"you said {text!r}"
