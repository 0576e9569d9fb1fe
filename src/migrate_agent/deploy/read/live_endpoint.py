"""Reads a live Model Serving endpoint with databricks-sdk (optional: `--endpoint NAME`).

Uses the user's normal Databricks authentication (`WorkspaceClient()`: environment, profile...).
The endpoint is fetched with one raw GET so that `auth_policy`, which the SDK's
`ServingEndpointDetailed` dataclass does not carry, can be read from the JSON; the rest is parsed
with the SDK's own dataclasses. databricks-sdk is imported here only, lazily: it is an optional
dependency (`migrate-agent[databricks]`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from migrate_agent.deploy.read.mlmodel_format import auth_policy_from_dict
from migrate_agent.deploy.read.serving_model import EnvVar, Fact, Origin, Permission, Problem, ServingDeployment

RETRY_TIMEOUT_SECONDS = 60  # the SDK retries for 5 minutes by default; a plan should fail sooner


def read_live_endpoint(name: str, client: Any = None) -> ServingDeployment:
    """Facts of the endpoint `name`; problems (MA115) instead when it cannot be read."""
    origin = Origin(label=f"endpoint {name}")
    found = ServingDeployment()
    try:  # databricks-sdk is optional (the `databricks` extra): only --endpoint needs it
        from databricks.sdk import WorkspaceClient
        from databricks.sdk.config import Config
        from databricks.sdk.service.serving import ServingEndpointDetailed
    except ImportError:
        found.problems.append(
            Problem(
                rule="MA115",
                message="databricks-sdk is not installed: pip install 'migrate-agent[databricks]'",
                origin=origin,
                fatal=True,
            )
        )
        return found
    try:
        if client is None:
            client = WorkspaceClient(config=Config(retry_timeout_seconds=RETRY_TIMEOUT_SECONDS))
        workspace = client
        raw = workspace.api_client.do("GET", f"/api/2.0/serving-endpoints/{quote(name, safe='')}")
    except Exception as error:  # the SDK raises many kinds (auth, HTTP, network): all are MA115
        found.problems.append(
            Problem(
                rule="MA115",
                message=f"reading endpoint `{name}` failed: {_first_line(error)}",
                origin=origin,
                fatal=True,
            )
        )
        return found
    raw = raw if isinstance(raw, dict) else {}
    endpoint = ServingEndpointDetailed.from_dict(raw)
    found.sources.append((name, "live endpoint, databricks-sdk"))
    found.endpoint_name = Fact(value=endpoint.name or name, origin=origin)
    if endpoint.description:
        found.description = Fact(value=endpoint.description, origin=origin)
    if endpoint.budget_policy_id:
        found.budget_policy_id = Fact(value=endpoint.budget_policy_id, origin=origin)
    if endpoint.tags:
        found.tags = Fact(value={tag.key: tag.value or "" for tag in endpoint.tags}, origin=origin)
    _read_served_entity(endpoint, found, origin)
    _read_gateway(endpoint, found, origin)
    _read_auth_policy(raw, found, origin)
    if endpoint.id:
        _read_permissions(workspace, endpoint.id, found, origin)
    return found


def _read_served_entity(endpoint: Any, found: ServingDeployment, origin: Origin) -> None:
    config = endpoint.config
    entities = list(config.served_entities or []) if config is not None else []
    if not entities:
        return
    traffic: dict[str, int] = {}
    if config.traffic_config is not None:
        for route in config.traffic_config.routes or []:
            traffic[route.served_entity_name or route.served_model_name or ""] = route.traffic_percentage or 0
    primary = max(entities, key=lambda e: traffic.get(e.name or "", 0))
    if len(entities) > 1:
        found.traffic_routes = [
            Fact(value=f"{e.name}: {traffic.get(e.name or '', 0)}%", origin=origin) for e in entities
        ]
    if primary.entity_name:
        found.uc_model = Fact(value=primary.entity_name, origin=origin)
    if primary.entity_version:
        found.model_version = Fact(value=primary.entity_version, origin=origin)
    if primary.name:
        found.served_entity = Fact(value=primary.name, origin=origin)
    if primary.workload_size:
        found.workload_size = Fact(value=primary.workload_size, origin=origin)
    if primary.workload_type is not None:
        found.workload_type = Fact(value=primary.workload_type.value, origin=origin)
    if primary.scale_to_zero_enabled is not None:
        found.scale_to_zero = Fact(value=primary.scale_to_zero_enabled, origin=origin)
    if primary.instance_profile_arn:
        found.instance_profile_arn = Fact(value=primary.instance_profile_arn, origin=origin)
    env = primary.environment_vars or {}
    found.env_origin = origin
    found.env = [EnvVar(name=key, value=str(value), origin=origin) for key, value in env.items()]
    experiment = env.get("MLFLOW_EXPERIMENT_ID") or {t.key: t.value for t in endpoint.tags or []}.get(
        "MONITOR_EXPERIMENT_ID"
    )
    if experiment:
        found.experiment = Fact(value=str(experiment), origin=origin)
    if config.auto_capture_config is not None and config.auto_capture_config.enabled:
        found.ai_gateway.append(Fact(value="inference tables (auto capture)", origin=origin))


def _read_gateway(endpoint: Any, found: ServingDeployment, origin: Origin) -> None:
    gateway = endpoint.ai_gateway
    if gateway is None:
        return
    features = [
        ("inference tables", gateway.inference_table_config is not None and gateway.inference_table_config.enabled),
        ("guardrails", gateway.guardrails is not None),
        ("rate limits", bool(gateway.rate_limits)),
        ("usage tracking", gateway.usage_tracking_config is not None and gateway.usage_tracking_config.enabled),
        ("fallbacks", gateway.fallback_config is not None and gateway.fallback_config.enabled),
    ]
    found.ai_gateway.extend(Fact(value=label, origin=origin) for label, enabled in features if enabled)


def _read_auth_policy(raw: dict, found: ServingDeployment, origin: Origin) -> None:
    """`auth_policy` is not in the SDK dataclass: look where the raw JSON may carry it."""
    config = raw.get("config") if isinstance(raw.get("config"), dict) else {}
    places = [raw.get("auth_policy"), config.get("auth_policy")]
    places += [e.get("auth_policy") for e in config.get("served_entities") or [] if isinstance(e, dict)]
    for policy in places:
        resources, scopes, problems = auth_policy_from_dict(policy, origin)
        found.resources.extend(resources)
        found.api_scopes.extend(Fact(value=scope, origin=origin) for scope in scopes)
        found.problems.extend(problems)


def _read_permissions(workspace: Any, endpoint_id: str, found: ServingDeployment, origin: Origin) -> None:
    try:
        acl = workspace.serving_endpoints.get_permissions(endpoint_id).access_control_list or []
    except Exception as error:  # permissions are optional: say so and go on
        found.problems.append(
            Problem(rule="MA115", message=f"endpoint permissions not read: {_first_line(error)}", origin=origin)
        )
        return
    found.permissions_origin = origin
    for entry in acl:
        principal = next(
            ((kind, value) for kind, value in (
                ("user_name", entry.user_name),
                ("group_name", entry.group_name),
                ("service_principal_name", entry.service_principal_name),
            ) if value),
            None,
        )
        if principal is None:
            continue
        for permission in entry.all_permissions or []:
            if permission.inherited or permission.permission_level is None:
                continue
            found.permissions.append(
                Permission(principal_type=principal[0], principal=principal[1], level=permission.permission_level.value)
            )


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
