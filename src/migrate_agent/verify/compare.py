"""What is compared between the original's answer and the app's, and the readable diff.

Invoke: the output items (messages, function calls and their outputs), `custom_outputs`, whether
it failed. Stream: the kinds of the events in order, the stream's text (its deltas joined), the
items of its `response.output_item.done` events, the `custom_outputs` events carry, whether it
failed. Random ids (UUIDs, long hex runs) under id keys become placeholders numbered in order of
appearance, so fixed ids and the pairing of an event's `item_id` with its item still count;
timestamps are left out.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

DONE = "response.output_item.done"
TEXT_DELTA = "response.output_text.delta"
ID_KEYS = frozenset({"id", "item_id", "call_id", "trace_id", "request_id", "response_id"})
TIME_KEYS = frozenset({"created", "created_at", "timestamp"})
_RANDOM = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?<![0-9a-zA-Z])[0-9a-fA-F]{16,}(?![0-9a-zA-Z])"
)


def normalized(value: Any, names: dict[str, str] | None = None) -> Any:
    """A copy without timestamps, random ids replaced by placeholders (numbered across `value`)."""
    names = {} if names is None else names
    if isinstance(value, dict):
        return {
            key: _placeholders(item, names) if key in ID_KEYS and isinstance(item, str) else normalized(item, names)
            for key, item in value.items()
            if key not in TIME_KEYS
        }
    if isinstance(value, list):
        return [normalized(item, names) for item in value]
    return value


def _placeholders(text: str, names: dict[str, str]) -> str:
    return _RANDOM.sub(lambda m: names.setdefault(m.group(0).lower(), f"<id-{len(names) + 1}>"), text)


def stream_of_items(response: dict) -> list[dict]:
    """What an agent that only defines predict streams once migrated (README, "What a migration
    does"): one done event per output item."""
    return [{"type": DONE, "item": item} for item in response.get("output") or []]


def aggregate(events: list[dict]) -> dict:
    """What an agent that only defines predict_stream answers to invoke once migrated: the items
    of its done events."""
    return {"output": [e["item"] for e in events if e.get("type") == DONE and "item" in e]}


def invoke_view(answer: dict | None, error: str | None) -> dict:
    answer = normalized(answer or {})
    return {
        "output": answer.get("output", []),
        "custom_outputs": answer.get("custom_outputs"),
        "failed": error is not None,
    }


def stream_view(events: list[dict] | None, error: str | None) -> dict:
    events = normalized(events or [])
    return {
        "event kinds": [e.get("type") for e in events],
        "text": "".join(str(e.get("delta", "")) for e in events if e.get("type") == TEXT_DELTA),
        "done items": [e["item"] for e in events if e.get("type") == DONE and "item" in e],
        "custom_outputs": [e["custom_outputs"] for e in events if e.get("custom_outputs") is not None],
        "failed": error is not None,
    }


def diff(original: dict, app: dict) -> str:
    """A unified diff of the two views ("" when equal)."""
    if original == app:
        return ""
    left = json.dumps(original, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    right = json.dumps(app, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    return "\n".join(difflib.unified_diff(left, right, "original (Model Serving)", "migrated app", lineterm="", n=3))


def body_diff(original: Any, app: Any) -> str:
    """How the body of an outbound call the app made differs from the original's closest one."""
    left = json.dumps(original, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    right = json.dumps(app, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    return "\n".join(difflib.unified_diff(left, right, "original's call", "app's call", lineterm="", n=2))
