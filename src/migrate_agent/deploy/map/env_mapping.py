"""What each Model Serving environment variable becomes on the app.

- `{{secrets/scope/key}}` values become a secret resource (READ) plus `valueFrom`;
- plain values are copied, unless they look like credentials (never written inline: MA105);
- Model Serving's own flags (set by `agents.deploy`, databricks-agents source) are dropped;
- `DATABRICKS_TOKEN` / `_HOST` / `_CLIENT_ID` / `_CLIENT_SECRET` are dropped with a warning
  (MA104): they override the app's own service-principal authentication;
- the MLflow variables the app sets itself are replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrate_agent.deploy.read.serving_model import EnvVar, Unresolved

# The base environment every migrated app needs (tracking, registry, experiment).
BASE_ENV: tuple[tuple[str, str], ...] = (
    ("MLFLOW_TRACKING_URI", "databricks"),
    ("MLFLOW_REGISTRY_URI", "databricks-uc"),
)
EXPERIMENT_ENV = "MLFLOW_EXPERIMENT_ID"
SET_BY_APP = frozenset({name for name, _ in BASE_ENV} | {EXPERIMENT_ENV})
# Flags agents.deploy adds to every agent endpoint (databricks-agents deployments.py).
SERVING_FLAGS = frozenset({"ENABLE_MLFLOW_TRACING", "RETURN_REQUEST_ID_IN_RESPONSE", "ENABLE_LANGCHAIN_STREAMING"})
APP_AUTH_VARIABLES = frozenset(
    {"DATABRICKS_TOKEN", "DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET"}
)

SECRET_REFERENCE = re.compile(r"^\{\{\s*secrets/([^/{}\s]+)/([^/{}\s]+)\s*\}\}$")
_SECRET_INSIDE = re.compile(r"\{\{\s*secrets/")
_CREDENTIAL_WORDS = frozenset({"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PWD", "APIKEY", "CREDENTIAL", "CREDENTIALS"})
_CREDENTIAL_PAIRS = frozenset({("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY"), ("SECRET", "KEY")})
_CREDENTIAL_VALUE = re.compile(
    r"^(dapi[0-9a-f]{16,}|sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-|AKIA[0-9A-Z]{16})"
)


@dataclass(frozen=True, kw_only=True)
class EnvDecision:
    """What becomes of one serving environment variable on Apps."""

    variable: EnvVar
    outcome: str  # copied | secret | dropped | replaced | manual
    value: str | None = None  # for copied
    secret: tuple[str, str] | None = None  # (scope, key) for secret
    note: str = ""
    rule: str | None = None
    hide_value: bool = False  # never show the value (it looks like a credential)


def decide_env(variable: EnvVar) -> EnvDecision:
    name, value = variable.name, variable.value
    if name in SERVING_FLAGS:
        return EnvDecision(variable=variable, outcome="dropped", note="Model Serving flag; the app does not read it")
    if name in APP_AUTH_VARIABLES:
        hide = isinstance(value, str) and not _is_secret_reference(value) and looks_like_credential(name, value)
        return EnvDecision(
            variable=variable, outcome="dropped", rule="MA104", hide_value=hide,
            note="it would override the app's own service-principal authentication",
        )
    if name in SET_BY_APP:
        return EnvDecision(variable=variable, outcome="replaced", note="set by the app (see base environment)")
    if isinstance(value, Unresolved):
        return EnvDecision(variable=variable, outcome="manual", rule="MA101", note=f"`{value.code}` {value.reason}")
    match = SECRET_REFERENCE.match(value)
    if match:
        return EnvDecision(variable=variable, outcome="secret", secret=(match.group(1), match.group(2)))
    if _SECRET_INSIDE.search(value):
        return EnvDecision(
            variable=variable, outcome="manual", rule="MA105", hide_value=True,
            note="a secret reference inside other text cannot be a valueFrom: split it out",
        )
    if looks_like_credential(name, value):
        return EnvDecision(
            variable=variable, outcome="manual", rule="MA105", hide_value=True,
            note="looks like a credential: put it in a secret scope and use valueFrom",
        )
    return EnvDecision(variable=variable, outcome="copied", value=value)


def looks_like_credential(name: str, value: str) -> bool:
    if not value:
        return False
    parts = [p for p in name.upper().split("_") if p]
    if any(p in _CREDENTIAL_WORDS for p in parts):
        return True
    if any(pair in _CREDENTIAL_PAIRS for pair in zip(parts, parts[1:])):
        return True
    return _CREDENTIAL_VALUE.match(value) is not None


def _is_secret_reference(value: object) -> bool:
    return isinstance(value, str) and SECRET_REFERENCE.match(value) is not None
