"""How values read from the project are shown in the deploy diff (text) and its JSON form."""

from __future__ import annotations

import json
from typing import Any

from migrate_agent.deploy.map.env_mapping import looks_like_credential
from migrate_agent.deploy.read.serving_model import CallValue, ConfigValue, Unresolved

MAX_SHOWN = 120


def show(value: Any) -> str:
    """One line of Markdown for a value: code in backticks, unknown values said so."""
    if value is None:
        return "—"
    if isinstance(value, Unresolved):
        return f"not read: `{value.code}`"
    if isinstance(value, CallValue):
        return f"`{value.code}`"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return f"`{_shorten(value)}`"
    return f"`{_shorten(json.dumps(redacted(value), ensure_ascii=False, sort_keys=False))}`"


def as_json(value: Any) -> Any:
    """A JSON-safe copy: unknown values become {"unresolved": code, "reason": ...}."""
    if isinstance(value, Unresolved):
        return {"unresolved": value.code, "reason": value.reason}
    if isinstance(value, CallValue):
        return {"unresolved": value.code, "reason": "is built at run time"}
    if isinstance(value, ConfigValue):
        return as_json(dict(value.data))
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def redacted(value: Any) -> Any:
    """A JSON-safe copy with credential-looking values of mappings replaced by "(hidden)"."""
    value = as_json(value)
    if isinstance(value, dict):
        return {
            k: "(hidden)" if isinstance(v, str) and looks_like_credential(k.upper(), v) else redacted(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."
