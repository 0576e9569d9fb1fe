"""Combines what each reader found into one view of the Model Serving deployment.

Readers are passed most authoritative first (live endpoint, then MLmodel, then driver code): a
single value comes from the first reader that has it, the environment comes whole from the first
reader that read one, and resources, scopes and AI Gateway features are the union.
"""

from __future__ import annotations

from migrate_agent.deploy.read.serving_model import ServingDeployment, Unresolved

SINGLE_VALUES = (
    "uc_model", "model_version", "endpoint_name", "served_entity", "workload_size", "workload_type",
    "scale_to_zero", "instance_profile_arn", "description", "usage_policy_id", "budget_policy_id",
    "tags", "model_config", "input_example", "python_model", "pip_requirements", "code_paths",
    "artifacts", "experiment",
)


def merge_deployments(found: list[ServingDeployment]) -> ServingDeployment:
    merged = ServingDeployment()
    for part in found:
        merged.sources.extend(s for s in part.sources if s not in merged.sources)
        merged.problems.extend(part.problems)
        for name in SINGLE_VALUES:
            if getattr(merged, name) is None and getattr(part, name) is not None:
                setattr(merged, name, getattr(part, name))
        if merged.env_origin is None and part.env_origin is not None:
            merged.env_origin = part.env_origin
            merged.env = list(part.env)
        if not merged.traffic_routes:
            merged.traffic_routes = list(part.traffic_routes)
        if merged.permissions_origin is None and part.permissions_origin is not None:
            merged.permissions_origin = part.permissions_origin
            merged.permissions = list(part.permissions)
        _add_resources(merged, part)
        for scope in part.api_scopes:
            if scope.value not in {s.value for s in merged.api_scopes}:
                merged.api_scopes.append(scope)
        for feature in part.ai_gateway:
            if feature.value not in {f.value for f in merged.ai_gateway}:
                merged.ai_gateway.append(feature)
    return merged


def _add_resources(merged: ServingDeployment, part: ServingDeployment) -> None:
    seen = {_resource_key(r) for r in merged.resources}
    for resource in part.resources:
        key = _resource_key(resource)
        if key not in seen:
            seen.add(key)
            merged.resources.append(resource)


def _resource_key(resource) -> tuple:
    identifier = resource.identifier
    if isinstance(identifier, Unresolved):
        return (resource.kind, "unresolved", identifier.code, identifier.path, identifier.line)
    return (resource.kind, identifier)
