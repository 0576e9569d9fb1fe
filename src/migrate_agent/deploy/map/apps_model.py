"""The data the Apps side of a migration is made of: app resources, env, diff items, the app.

Filled by `apps_plan`, written out by `bundle_file`, `app_yaml_file` and `migration_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate_agent.deploy.map.resource_kinds import EXPERIMENT_MATCH_FIELDS, KINDS_BY_NAME, SECRET_MATCH_FIELDS
from migrate_agent.model import ManualStep

MODEL_CONFIG_FILE = "model_config.yaml"
SOURCE_CODE_PATH = "./"
EXPERIMENT_NAME = "/Users/${workspace.current_user.userName}/${bundle.name}"


@dataclass
class AppResourceEntry:
    """One entry of the app's resources in databricks.yml."""

    name: str  # the entry's `name`, which valueFrom refers to
    key: str  # serving_endpoint / uc_securable / secret / experiment ...
    body: dict[str, str]
    match: tuple[str, ...]  # body fields that identify the same grant in an existing bundle

    def as_yaml(self) -> dict[str, Any]:
        return {"name": self.name, self.key: dict(self.body)}

    def identity(self) -> tuple:
        return identity_of(self.key, self.body, self.match)


def identity_of(key: str, body: Any, match: tuple[str, ...]) -> tuple:
    body = body if isinstance(body, dict) else {}
    return (key, tuple(body.get(f) for f in match))


@dataclass(frozen=True, kw_only=True)
class EnvEntry:
    """One environment variable of app.yaml: a value, or a `valueFrom` resource."""

    name: str
    value: str | None = None
    value_from: str | None = None


@dataclass(frozen=True, kw_only=True)
class DiffItem:
    """One row of the deploy diff: Model Serving beside Apps, and what became of it."""

    item: str
    serving: str
    apps: str
    outcome: str  # mapped / dropped / manual step
    note: str = ""
    rule: str | None = None


@dataclass
class ExistingApp:
    """The app already defined in the project's databricks.yml, if any."""

    key: str | None = None
    name: str | None = None
    resources: list[dict] = field(default_factory=list)


@dataclass
class AppsDeployment:
    """The Databricks Apps deployment planned for the agent."""

    app_name: str
    bundle_key: str
    command: list[str]
    experiment_key: str | None  # resources.experiments.<key> the app's experiment refers to
    experiment_resource: str  # the app resource MLFLOW_EXPERIMENT_ID's valueFrom names
    experiment_entry: AppResourceEntry | None
    description: str | None = None
    usage_policy_id: str | None = None
    budget_policy_id: str | None = None
    resources: list[AppResourceEntry] = field(default_factory=list)
    env: list[EnvEntry] = field(default_factory=list)
    user_api_scopes: list[str] = field(default_factory=list)
    permissions: list[dict[str, str]] = field(default_factory=list)
    items: list[DiffItem] = field(default_factory=list)
    steps: list[ManualStep] = field(default_factory=list)
    model_config: dict | None = None  # written to MODEL_CONFIG_FILE
    on_behalf_of_user: list[str] = field(default_factory=list)  # resources reached with the user's token
    scope_evidence: dict[str, list] = field(default_factory=dict)  # inferred scope -> UserClientCalls


MATCH_FIELDS_BY_KEY: dict[str, tuple[str, ...]] = {
    **{kind.apps_key: kind.match_fields for kind in KINDS_BY_NAME.values() if kind.apps_key},
    "secret": SECRET_MATCH_FIELDS,
    "experiment": EXPERIMENT_MATCH_FIELDS,
}
