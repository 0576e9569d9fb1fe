"""The app's `app.yaml`: its command and environment, created or merged into the user's file.

The user's entries are kept; ours are set (same name: replaced) or added. Environment values that
come from app resources use `valueFrom` (camelCase in app.yaml), naming the resource's `name`.
"""

from __future__ import annotations

import copy

from migrate_agent.deploy.apps_model import AppsDeployment, EnvEntry
from migrate_agent.deploy.project_yaml import ProjectYaml
from migrate_agent.deploy.yaml_io import FlowList, rewrite_yaml

APP_YAML_FILES = ("app.yaml", "app.yml")


def app_yaml_env(entry: EnvEntry) -> dict[str, str]:
    if entry.value_from is not None:
        return {"name": entry.name, "valueFrom": entry.value_from}
    return {"name": entry.name, "value": entry.value or ""}


def render_app_yaml(existing: ProjectYaml, apps: AppsDeployment) -> tuple[str, list[str]]:
    """The new text of app.yaml and one line per change; the old text when nothing changes."""
    data = copy.deepcopy(existing.data) if isinstance(existing.data, dict) else {}
    original = copy.deepcopy(data)
    edits: list[str] = []

    if data.get("command") != apps.command:
        edits.append(f"command set to {apps.command}" + (f" (was {data['command']})" if "command" in data else ""))
    data["command"] = FlowList(apps.command)

    env = data.get("env")
    if not isinstance(env, list):
        env = []
    for entry in apps.env:
        wanted = app_yaml_env(entry)
        index = next((i for i, e in enumerate(env) if isinstance(e, dict) and e.get("name") == entry.name), None)
        if index is None:
            env.append(wanted)
            edits.append(f"env {entry.name} added")
        elif env[index] != wanted:
            env[index] = wanted
            edits.append(f"env {entry.name} set")
    data["env"] = env

    if existing.exists and data == original:
        return existing.text or "", []
    return rewrite_yaml(existing.text, data, edits), edits
