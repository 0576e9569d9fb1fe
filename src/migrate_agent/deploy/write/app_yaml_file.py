"""The app's `app.yaml`: its command and environment, created or merged into the user's file.

The user's entries are kept, values included (an env entry of the same name keeps the user's
value; the plan says where Model Serving had another); ours are added. An `env` written as a
mapping (`env: {LOG_LEVEL: DEBUG}`) becomes the list of `name` / `value` entries Databricks Apps
reads, every value and comment kept, and the plan says so. A file whose `env` has another shape
is not merged (see :func:`app_yaml_shape`). The command must serve the
migrated agent, so it is set (old -> new in the plan). An existing file is edited in place:
comments, blank lines and quoting stay. Environment values that come from app resources use
`valueFrom` (camelCase in app.yaml), naming the resource's `name`.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from migrate_agent.deploy.map.apps_model import AppsDeployment, EnvEntry
from migrate_agent.deploy.read.project_yaml import ProjectYaml
from migrate_agent.deploy.write.yaml_io import FlowList, MappingEdit, entry_comment, plain

APP_YAML_FILES = ("app.yaml", "app.yml")


def app_yaml_env(entry: EnvEntry, value_from_key: str = "valueFrom") -> dict[str, str]:
    """An env entry as app.yaml writes it (`valueFrom`), or as a bundle's app config does
    (`value_from_key="value_from"`)."""
    if entry.value_from is not None:
        return {"name": entry.name, value_from_key: entry.value_from}
    return {"name": entry.name, "value": entry.value or ""}


def render_app_yaml(existing: ProjectYaml, apps: AppsDeployment) -> tuple[str, list[str]]:
    """The new text of app.yaml and one line per change; the old text when nothing changes."""
    edit = MappingEdit(existing.text, existing.data)
    edits: list[str] = []
    sync_command_and_env(edit.data, apps, edits, "valueFrom", "", _shown)
    return edit.result(existing.exists, edits)


def sync_command_and_env(data: dict, apps: AppsDeployment, edits: list[str], value_from_key: str,
                         label: str, shown) -> None:
    """Set the app's command in `data` (app.yaml, or a bundle's app config) and add the env
    entries it lacks; an entry the user has keeps the user's value, and the edits say so.
    `label` starts each edit line, `shown(entry)` writes an env entry in it."""
    if plain(data.get("command")) != apps.command:
        was = f" (was {plain(data['command'])})" if "command" in data else ""
        edits.append(f"{label}command set to {apps.command}{was}")
        data["command"] = FlowList(apps.command)

    env = data.get("env")
    if isinstance(env, dict):
        env = env_list(env)
        kept = ", ".join(str(plain(item["name"])) for item in env)
        edits.append(f"{label}env converted from a mapping to a list of name/value entries, the form "
                     f"Databricks Apps reads" + (f" ({kept} kept)" if kept else ""))
    elif not isinstance(env, list):
        env = []
    for entry in apps.env:
        wanted = app_yaml_env(entry, value_from_key)
        index = next((i for i, e in enumerate(env) if isinstance(e, dict) and e.get("name") == entry.name), None)
        if index is None:
            env.append(wanted)
            edits.append(f"{label}env {entry.name} added")
        elif plain(env[index]) != wanted:  # the user's value wins; the plan says so
            edits.append(f"{label}env {entry.name} kept as {shown(env[index])} "
                         f"(the migration's value: {shown(wanted)})")
    if env or "env" in data:
        data["env"] = env


def env_list(env: dict) -> list:
    """An `env` mapping (`NAME: value`) as Apps' list of `{name, value}` entries, in its order,
    each value as written; in a round-trip file the comment after an entry stays with it."""
    if not isinstance(env, CommentedMap):
        return [{"name": name, "value": value} for name, value in env.items()]
    entries = CommentedSeq()
    for name, value in env.items():
        entry = CommentedMap([("name", name), ("value", value)])
        comment = entry_comment(env, name)
        if comment is not None:
            entry_comment(entry, "value", comment)
        entries.append(entry)
    return entries


def env_shape(env: Any, keys: tuple = ("env",)) -> tuple[tuple, str] | None:
    """Why an `env` value (at `keys`) cannot be merged without losing what it says, or None: it
    must be absent, a list of entries, or a mapping of names to plain values."""
    where = ".".join(str(key) for key in keys)
    if env is None or isinstance(env, list):
        return None
    if not isinstance(env, dict):
        return keys, (f"has `{where}` as {_kind(env)}; Databricks Apps reads a list of name/value entries "
                      "(`- name: LOG_LEVEL` / `value: DEBUG`)")
    for name, value in env.items():
        if isinstance(value, (dict, list)):
            return keys + (name,), (f"has `{where}.{name}` as {_kind(value)}; an environment value is a "
                                    "string")
    return None


def app_yaml_shape(data: dict) -> tuple[tuple, str] | None:
    """Why an existing app.yaml cannot be merged without losing what it says, or None."""
    return env_shape(data.get("env"))


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the value {plain(value)!r}"


def _shown(entry) -> str:
    if "valueFrom" in entry:
        return f"valueFrom {entry['valueFrom']}"
    return repr(plain(entry.get("value")))
