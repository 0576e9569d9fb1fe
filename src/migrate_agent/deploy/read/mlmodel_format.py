"""The serialized forms MLflow writes for resources and auth policies, read back as facts.

MLflow's ``_ResourceBuilder.from_resources`` writes ``{"api_version": "1", "databricks":
{"<kind>": [{"name": ..., "on_behalf_of_user": ...}]}}``, and ``AuthPolicy.to_dict`` writes
``{"system_auth_policy": {"resources": <that>}, "user_auth_policy": {"api_scopes": [...]}}``.
The same shapes appear in MLmodel, in a resources YAML file passed to ``log_model``, and (as far as
it is exposed) in a serving endpoint's raw JSON.
"""

from __future__ import annotations

from typing import Any

from migrate_agent.deploy.map.resource_kinds import KINDS_BY_NAME
from migrate_agent.deploy.read.serving_model import Origin, Problem, ServingResource


def resources_from_dict(data: Any, origin: Origin) -> tuple[list[ServingResource], list[Problem]]:
    """Resources of a serialized resources mapping (``{"api_version", "databricks": {...}}``)."""
    resources: list[ServingResource] = []
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return resources, problems
    for target, kinds in data.items():
        if target == "api_version":
            continue
        if target != "databricks" or not isinstance(kinds, dict):
            problems.append(
                Problem(
                    rule="MA113", message=f"resources for target `{target}` are not Databricks resources", origin=origin
                )
            )
            continue
        for kind, entries in kinds.items():
            for entry in entries if isinstance(entries, list) else [entries]:
                name = entry.get("name") if isinstance(entry, dict) else None
                if not isinstance(name, str):
                    problems.append(Problem(rule="MA113", message=f"`{kind}` resource without a name", origin=origin))
                    continue
                obo = entry.get("on_behalf_of_user")
                resources.append(
                    ServingResource(
                        kind=str(kind),
                        identifier=name,
                        on_behalf_of_user=obo if isinstance(obo, bool) else None,
                        origin=origin,
                        known_kind=kind in KINDS_BY_NAME,
                    )
                )
    return resources, problems


def split_scopes(scopes: Any) -> list[str]:
    """API scopes as a flat list: MLflow accepts comma-joined scopes in one string too."""
    found: list[str] = []
    for item in scopes if isinstance(scopes, list) else [scopes]:
        if isinstance(item, str):
            for scope in item.split(","):
                if scope.strip() and scope.strip() not in found:
                    found.append(scope.strip())
    return found


def auth_policy_from_dict(data: Any, origin: Origin) -> tuple[list[ServingResource], list[str], list[Problem]]:
    """(system resources, user API scopes, problems) of a serialized auth policy."""
    if not isinstance(data, dict):
        return [], [], []
    system = data.get("system_auth_policy") or {}
    user = data.get("user_auth_policy") or {}
    resources, problems = resources_from_dict(system.get("resources") if isinstance(system, dict) else None, origin)
    scopes = split_scopes(user.get("api_scopes")) if isinstance(user, dict) else []
    return resources, scopes, problems
