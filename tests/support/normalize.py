"""Make original and migrated answers comparable without hiding real differences.

Only random identifiers may differ between two runs of the same behaviour (an agent that does
`id=str(uuid.uuid4())` produces a new one on every call). So, and only under id-like keys,
random-looking tokens (UUIDs, or runs of 16+ hex digits such as uuid4().hex and trace ids) are
replaced by placeholders numbered in order of first appearance: "msg_9f1c...e2" -> "msg_<rand-1>".
Everything else is kept, including fixed ids like "msg-1" and the structure of id reuse (an
event's `item_id` must still equal its item's `id`, since both map to the same placeholder).
"""

from __future__ import annotations

import re
from typing import Any

ID_KEYS = frozenset({"id", "item_id", "call_id", "trace_id", "request_id", "response_id"})
_RANDOM = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?<![0-9a-zA-Z])[0-9a-fA-F]{16,}(?![0-9a-zA-Z])"
)


def normalize(value: Any, _names: dict[str, str] | None = None) -> Any:
    """A copy of `value` (JSON-like) with random tokens in id fields replaced by placeholders.

    Pass a list of events as one value so placeholders are numbered across the whole stream.
    """
    names = {} if _names is None else _names
    if isinstance(value, dict):
        return {
            k: _rename(v, names) if k in ID_KEYS and isinstance(v, str) else normalize(v, names)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [normalize(v, names) for v in value]
    return value


def _rename(text: str, names: dict[str, str]) -> str:
    def placeholder(match: re.Match) -> str:
        return names.setdefault(match.group(0).lower(), f"<rand-{len(names) + 1}>")

    return _RANDOM.sub(placeholder, text)
