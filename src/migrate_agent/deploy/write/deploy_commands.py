"""The commands the user runs after the migration: bundle deploy, then a smoke test."""

from __future__ import annotations

import json
from typing import Any

from migrate_agent.deploy.map.apps_model import AppsDeployment
from migrate_agent.deploy.write.value_text import as_json

# Used when the logged model had no readable input_example (ResponsesAgent request shape).
PLACEHOLDER_EXAMPLE = {"input": [{"role": "user", "content": "Hello!"}]}


def deploy_commands(apps: AppsDeployment) -> list[str]:
    return [
        "databricks bundle validate",
        "databricks bundle deploy",
        f"databricks bundle run {apps.bundle_key}",
    ]


def smoke_test(apps: AppsDeployment, input_example: Any) -> tuple[list[str], bool]:
    """Shell lines that POST the input example to the app's /invocations; True if a placeholder."""
    placeholder = input_example is None or _has_unknown(as_json(input_example))
    body = json.dumps(PLACEHOLDER_EXAMPLE if placeholder else as_json(input_example), ensure_ascii=False)
    quoted = "'" + body.replace("'", "'\\''") + "'"
    return [
        f"APP_URL=$(databricks apps get {apps.app_name} --output json | jq -r .url)",
        "TOKEN=$(databricks auth token | jq -r .access_token)",
        'curl -sS -X POST "$APP_URL/invocations" -H "Authorization: Bearer $TOKEN" '
        f'-H "Content-Type: application/json" -d {quoted}',
    ], placeholder


def _has_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"unresolved", "reason"} or any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False
