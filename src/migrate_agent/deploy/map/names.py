"""Names the deployment generates: the app name, bundle keys and app resource names."""

from __future__ import annotations

import re
from collections.abc import Iterable

APP_NAME_MAX = 30  # Apps: lowercase letters, digits and hyphens, starting with a letter
RESOURCE_NAME_MAX = 60
FALLBACK_APP_NAME = "agent-app"


def slug(text: str, max_length: int) -> str:
    """Lowercase letters, digits and single hyphens, at most `max_length` long."""
    lowered = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return lowered[:max_length].rstrip("-")


def app_name(text: str) -> str | None:
    """A valid app name made of `text`, or None when nothing usable is left."""
    cleaned = re.sub(r"^[^a-z]+", "", slug(text, 200))
    cleaned = cleaned[:APP_NAME_MAX].rstrip("-")
    return cleaned or None


def is_valid_app_name(text: object) -> bool:
    return isinstance(text, str) and re.fullmatch(r"[a-z][a-z0-9-]{0,29}", text) is not None and not text.endswith("-")


def bundle_key(name: str) -> str:
    """A bundle resource key for the app name (`run <key>` takes it)."""
    return name.replace("-", "_")


def resource_name(prefix: str, identifier: str) -> str:
    """The `name` of an app resource entry, e.g. `serving-endpoint-databricks-claude`."""
    text = slug(f"{prefix}-{identifier}", RESOURCE_NAME_MAX)
    return text or prefix


def unique(name: str, taken: Iterable[str]) -> str:
    used = set(taken)
    if name not in used:
        return name
    counter = 2
    while f"{name}-{counter}" in used:
        counter += 1
    return f"{name}-{counter}"
