"""What was learned about the Model Serving deployment, source by source.

Plain data filled by the readers (driver code, MLmodel, live endpoint) and read by the mapping to
Apps. Every fact carries its origin ("driver.py:12", "model/MLmodel", "endpoint agents_x") so
the deploy diff can say where it came from. A value that could not be read is a `Unresolved`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Unresolved:
    """A value that reading the code (or a file) could not determine."""

    code: str  # the expression as written, or a description
    reason: str
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class CallValue:
    """A call in the driver code kept as data (by the static evaluator): callee name and
    evaluated arguments."""

    name: str  # qualified name when known, else the callee as written
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    code: str
    path: str
    line: int

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def has(self, position: int | None, keyword: str) -> bool:
        return any(k == keyword for k, _ in self.kwargs) or (position is not None and position < len(self.args))

    def argument(self, position: int | None, keyword: str, default: Any = None) -> Any:
        for key, value in self.kwargs:
            if key == keyword:
                return value
        if position is not None and position < len(self.args):
            return self.args[position]
        return default


@dataclass(frozen=True)
class ConfigValue:
    """An `mlflow.models.ModelConfig`: a mapping read from a YAML file or a dict."""

    data: Mapping[str, Any]
    source: str


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a fact was read: a project file (with line) or the live endpoint."""

    label: str  # "driver.py", "model/MLmodel", "endpoint agents_x"
    path: str | None = None  # project-relative, when it is a project file
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.label}:{self.line}" if self.line else self.label


@dataclass(frozen=True, kw_only=True)
class ServingResource:
    """A resource the Model Serving deployment declares (endpoint, index, function...)."""

    kind: str  # MLmodel resource kind ("serving_endpoint"...), or the unknown class name
    identifier: str | Unresolved
    on_behalf_of_user: bool | None
    origin: Origin
    known_kind: bool = True


@dataclass(frozen=True, kw_only=True)
class EnvVar:
    """An environment variable of the serving endpoint."""

    name: str
    value: str | Unresolved
    origin: Origin


@dataclass(frozen=True, kw_only=True)
class Fact:
    """A value read from one source of the deployment, with where it came from."""

    value: Any  # str / int / bool / dict / list / Unresolved
    origin: Origin


@dataclass(frozen=True, kw_only=True)
class Problem:
    """Something a reader could not map, reported as a manual step of `rule`."""

    rule: str
    message: str
    origin: Origin | None = None
    fatal: bool = False  # a source the user asked for (--endpoint) could not be read: the run fails


@dataclass(frozen=True, kw_only=True)
class Permission:
    """A permission granted on the serving endpoint."""

    principal_type: str  # user_name / group_name / service_principal_name
    principal: str
    level: str  # CAN_QUERY / CAN_MANAGE / CAN_VIEW


@dataclass
class ServingDeployment:
    """Everything known about the Model Serving deployment; None / empty = not found."""

    sources: list[tuple[str, str]] = field(default_factory=list)  # (what, how) deployment facts were read from
    uc_model: Fact | None = None
    model_version: Fact | None = None
    endpoint_name: Fact | None = None
    served_entity: Fact | None = None
    workload_size: Fact | None = None
    workload_type: Fact | None = None
    scale_to_zero: Fact | None = None
    instance_profile_arn: Fact | None = None
    description: Fact | None = None
    usage_policy_id: Fact | None = None
    budget_policy_id: Fact | None = None
    tags: Fact | None = None  # dict[str, str] or Unresolved
    env: list[EnvVar] = field(default_factory=list)
    env_origin: Origin | None = None  # where the env dict was read (None: none found)
    resources: list[ServingResource] = field(default_factory=list)
    api_scopes: list[Fact] = field(default_factory=list)  # value: str
    model_config: Fact | None = None  # dict / str path / Unresolved
    input_example: Fact | None = None
    signature: Fact | None = None  # log_model(signature=...) given (its value as read)
    python_model: Fact | None = None
    pip_requirements: Fact | None = None
    code_paths: Fact | None = None
    artifacts: Fact | None = None
    experiment: Fact | None = None  # name or id the endpoint traced to
    ai_gateway: list[Fact] = field(default_factory=list)  # value: feature label
    traffic_routes: list[Fact] = field(default_factory=list)  # value: "entity: N%"
    permissions: list[Permission] = field(default_factory=list)
    permissions_origin: Origin | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def found_anything(self) -> bool:
        return bool(self.sources)
