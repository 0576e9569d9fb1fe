"""The project's `databricks.yml`: one app resource with its grants, created or merged.

Shape (bundle JSON schema, `resources.App`): `resources.apps.<key>` with `name`,
`source_code_path`, typed `resources` entries (`serving_endpoint`, `uc_securable`, `secret`,
`experiment`...), `user_api_scopes` and `permissions`; an `resources.experiments.<key>` the app's
experiment resource points at; `dev` / `prod` targets. In a user's file every existing entry is
kept; ours are added when no entry grants the same thing. An app `config` the user already has is
kept in step with app.yaml (`value_from`, snake_case, there). A file where a section the
migration adds to has another shape (`resources: [...]`) is not merged (see :func:`bundle_shape`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from migrate_agent.deploy.map.apps_model import (
    EXPERIMENT_NAME,
    MATCH_FIELDS_BY_KEY,
    SOURCE_CODE_PATH,
    AppsDeployment,
    ExistingApp,
    identity_of,
)
from migrate_agent.deploy.map.names import is_valid_app_name
from migrate_agent.deploy.read.project_yaml import ProjectYaml, read_project_yaml
from migrate_agent.deploy.rules import manual_step
from migrate_agent.deploy.write.app_yaml_file import env_shape, sync_command_and_env
from migrate_agent.deploy.write.yaml_io import MappingEdit, plain
from migrate_agent.model import ManualStep

BUNDLE_FILES = ("databricks.yml", "databricks.yaml")
SYNC_EXCLUDE = [".venv", "**/__pycache__"]
TARGETS = {
    "dev": {"mode": "development", "default": True},
    "prod": {
        "mode": "production",
        # `mode: production` requires an explicit root_path (databricks CLI process_target_mode).
        "workspace": {"root_path": "/Workspace/Users/${workspace.current_user.userName}/.bundle/${bundle.name}/${bundle.target}"},
    },
}


# Sections the migration adds to: what each must be when present (null counts as empty).
_SECTIONS = (("bundle",), ("resources",), ("resources", "apps"), ("resources", "experiments"))
_APP_LISTS = ("resources", "user_api_scopes", "permissions")


def bundle_shape(data: dict) -> tuple[tuple, str] | None:
    """Why an existing databricks.yml cannot be merged without losing what it says, or None:
    a section the migration adds to is not a mapping (or an app's list not a list)."""
    for keys in _SECTIONS:
        value = _at(data, keys)
        if value is not None and not isinstance(value, dict):
            return keys, _wrong(keys, value, "a mapping")
    for key, app in (_at(data, ("resources", "apps")) or {}).items():
        keys = ("resources", "apps", key)
        if app is not None and not isinstance(app, dict):
            return keys, _wrong(keys, app, "a mapping")
        for name in _APP_LISTS:
            value = (app or {}).get(name)
            if value is not None and not isinstance(value, list):
                return keys + (name,), _wrong(keys + (name,), value, "a list")
        config = (app or {}).get("config")
        if isinstance(config, dict):
            problem = env_shape(config.get("env"), keys + ("config", "env"))
            if problem is not None:
                return problem
    return None


def _at(data: Any, keys: tuple) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _wrong(keys: tuple, value: Any, wanted: str) -> str:
    kind = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else f"the value {plain(value)!r}"
    return f"has `{'.'.join(map(str, keys))}` as {kind}; a bundle has {wanted} there"


def find_existing_app(root: Path, bundle: ProjectYaml) -> tuple[ExistingApp, list[ManualStep]]:
    """The app of the user's bundle this migration should update, and what needs a look."""
    steps: list[ManualStep] = []
    if not bundle.exists:
        return ExistingApp(), steps
    if not bundle.usable:
        steps.append(unmergeable_step(bundle))
        return ExistingApp(), steps
    data = bundle.data or {}
    apps = (data.get("resources") or {}).get("apps") if isinstance(data.get("resources"), dict) else None
    apps = apps if isinstance(apps, dict) else {}
    for included in _included_files_with_apps(root, data):
        steps.append(manual_step("MA114", f"{included} (included by {bundle.path}) defines apps too: check that the "
                                          "migrated app is defined once", included))
    if not apps:
        return ExistingApp(), steps
    keys = sorted(apps)
    chosen = keys[0]
    if len(keys) > 1:
        at_root = [k for k in keys if isinstance(apps[k], dict) and apps[k].get("source_code_path") in (".", "./", "")]
        chosen = at_root[0] if at_root else keys[0]
        steps.append(manual_step("MA114", f"{bundle.path} defines several apps ({', '.join(keys)}); `{chosen}` was "
                                          "updated", bundle.path))
    app = apps[chosen] if isinstance(apps[chosen], dict) else {}
    if isinstance(app.get("config"), dict):
        steps.append(manual_step("MA114", f"app `{chosen}` has a `config` section in {bundle.path} and the project has "
                                          "app.yaml: both now carry the same command and env; keep one of them (drop "
                                          "`config` to let app.yaml rule)", bundle.path))
    resources = app.get("resources") if isinstance(app.get("resources"), list) else []
    name = app.get("name") if is_valid_app_name(app.get("name")) else None
    return ExistingApp(key=chosen, name=name, resources=[r for r in resources if isinstance(r, dict)]), steps


def unmergeable_step(found: ProjectYaml) -> ManualStep:
    """The manual step of a project YAML file that cannot be merged: nothing is written until it is fixed."""
    return manual_step("MA114", f"{found.path} {found.error}; migrate-agent writes nothing until it is fixed",
                       found.path, found.line)


def render_bundle(bundle: ProjectYaml, apps: AppsDeployment) -> tuple[str, list[str]]:
    """The new text of databricks.yml and one line per change; the old text when nothing changes."""
    edit = MappingEdit(bundle.text, bundle.data)
    data = edit.data
    edits: list[str] = []

    header = _mapping(data, "bundle")
    if "name" not in header:
        header["name"] = apps.app_name
        edits.append(f"bundle name {apps.app_name}")
    if not bundle.exists:
        data["sync"] = {"exclude": list(SYNC_EXCLUDE)}
    resources = _mapping(data, "resources")
    if apps.experiment_entry is not None and apps.experiment_key:
        experiments = _mapping(resources, "experiments")
        if apps.experiment_key not in experiments:
            experiments[apps.experiment_key] = {"name": EXPERIMENT_NAME}
            edits.append(f"experiment {apps.experiment_key} added")
    app = _mapping(_mapping(resources, "apps"), apps.bundle_key)
    if not app:
        edits.append(f"app {apps.bundle_key} added")
    _set_default(app, "name", apps.app_name, edits)
    _set_default(app, "description", apps.description, edits)
    _set_default(app, "source_code_path", SOURCE_CODE_PATH, edits)
    _set_default(app, "usage_policy_id", apps.usage_policy_id, edits)
    _set_default(app, "budget_policy_id", apps.budget_policy_id, edits)
    _merge_resources(app, apps, edits)
    _merge_list(app, "user_api_scopes", apps.user_api_scopes, edits)
    _merge_list(app, "permissions", apps.permissions, edits)
    if isinstance(app.get("config"), dict):
        _sync_config(app["config"], apps, edits)
    if "targets" not in data:
        data["targets"] = copy.deepcopy(TARGETS)
        edits.append("targets dev and prod added")

    return edit.result(bundle.exists, edits)


def _mapping(parent: dict, key: str) -> dict:
    value = parent.get(key)
    if not isinstance(value, dict):
        value = {}
        parent[key] = value
    return value


def _set_default(app: dict, key: str, value: Any, edits: list[str]) -> None:
    if value is not None and key not in app:
        app[key] = value
        edits.append(f"app {key} set")


def _merge_resources(app: dict, apps: AppsDeployment, edits: list[str]) -> None:
    current = app.get("resources") if isinstance(app.get("resources"), list) else []
    present = {
        identity_of(key, entry.get(key), match)
        for entry in current if isinstance(entry, dict)
        for key, match in MATCH_FIELDS_BY_KEY.items() if key in entry
    }
    ours = ([apps.experiment_entry] if apps.experiment_entry is not None else []) + apps.resources
    for entry in ours:
        if entry.identity() not in present:
            current.append(entry.as_yaml())
            present.add(entry.identity())
            edits.append(f"app resource {entry.name} ({entry.key}) added")
    if current:
        app["resources"] = current


def _merge_list(app: dict, key: str, wanted: list, edits: list[str]) -> None:
    if not wanted:
        return
    current = app.get(key) if isinstance(app.get(key), list) else []
    for item in wanted:
        if item not in current:
            current.append(copy.deepcopy(item))
            edits.append(f"app {key} {item} added")
    app[key] = current


def _sync_config(config: dict, apps: AppsDeployment, edits: list[str]) -> None:
    """Keep a bundle-side app config (which becomes app.yml on deploy) in step with app.yaml."""
    sync_command_and_env(config, apps, edits, "value_from", "app config ", plain)


def _included_files_with_apps(root: Path, data: dict) -> list[str]:
    patterns = data.get("include") if isinstance(data.get("include"), list) else []
    found: list[str] = []
    for pattern in patterns:
        if not isinstance(pattern, str) or pattern.startswith("/") or ".." in pattern:
            continue
        for path in sorted(root.glob(pattern)):
            relative = path.relative_to(root).as_posix()
            included = read_project_yaml(root, (relative,))
            resources = included.data.get("resources") if isinstance(included.data, dict) else None
            if isinstance(resources, dict) and resources.get("apps") and relative not in found:
                found.append(relative)
    return found
