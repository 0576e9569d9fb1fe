"""Driver code that logs, registers or deploys the agent for Model Serving.

After the migration the agent module serves a Databricks App: it no longer calls `set_model`, so
logging it as a model-from-code logs a model that cannot load, and `agents.deploy` deploys to the
platform the project is leaving. This module only recognises those calls (by qualified name, as
the rest of the analysis does); MA007 marks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from codemods.analysis.syntax import dotted_name

# `save_model` writes the same model to a local path (then logged or registered from there).
_LOG_MODEL = re.compile(r"^mlflow\.(\w+)\.(log_model|save_model)$")
REGISTER_MODEL = "mlflow.register_model"
AGENTS_DEPLOY = frozenset({"databricks.agents.deploy"})
# WorkspaceClient methods that create or reconfigure a serving endpoint (matched on the code as
# written: the client is an instance, so the name has no qualified form).
ENDPOINT_WRITES = (
    "serving_endpoints.create",
    "serving_endpoints.create_and_wait",
    "serving_endpoints.update_config",
    "serving_endpoints.update_config_and_wait",
)
MODEL_ARGUMENTS = ("python_model", "lc_model", "model")

BUNDLE_COMMANDS = "`databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy)"


@dataclass(frozen=True, kw_only=True)
class DriverCall:
    """A Model Serving deployment call: `kind` is log_model, save_model, register_model, deploy
    or endpoint."""

    node: cst.Call
    line: int
    kind: str
    message: str  # the TODO text


def driver_call(node: cst.Call, qualified: set[str]) -> DriverCall | None:
    """The Model Serving deployment call `node` is, or None. `qualified`: its qualified names."""
    for name in sorted(qualified):
        match = _LOG_MODEL.match(name)
        if match:
            return _log_model(node, match.group(1), match.group(2))
        if name == REGISTER_MODEL:
            return DriverCall(
                node=node,
                line=0,
                kind="register_model",
                message=(
                    f"`mlflow.register_model({_first_argument(node)})` registers the Model Serving model, which the app does not "
                    f"use (it runs from source): deploy with {BUNDLE_COMMANDS} and remove this call"
                ),
            )
        if name in AGENTS_DEPLOY:
            return DriverCall(
                node=node,
                line=0,
                kind="deploy",
                message=(
                    f"`agents.deploy({_first_argument(node)})` deploys to Model Serving, which the Databricks App replaces: "
                    f"deploy with {BUNDLE_COMMANDS} and remove this call"
                ),
            )
    written = dotted_name(node.func) or ""
    if any(written.endswith(suffix) for suffix in ENDPOINT_WRITES):
        return DriverCall(
            node=node,
            line=0,
            kind="endpoint",
            message=(
                f"`{written}({_first_argument(node)})` configures a Model Serving endpoint, which the Databricks App replaces: "
                f"deploy with {BUNDLE_COMMANDS} and remove this call"
            ),
        )
    return None


def _log_model(node: cst.Call, flavor: str, function: str = "log_model") -> DriverCall | None:
    model = next(
        (a.value for a in node.args if a.keyword is not None and a.keyword.value in MODEL_ARGUMENTS),
        None,
    )
    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    if model is None and flavor != "pyfunc" and positional:
        model = positional[0]  # the other flavors take the model first
    path = _string(model)
    verb, done = ("logs", "logged") if function == "log_model" else ("saves", "saved")
    if path is not None and path.endswith(".py"):
        what = f"`{path}` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the {done} model would not load"
    elif flavor == "pyfunc":
        what = ("the agent for Model Serving; after the migration the agent serves a Databricks App "
                f"(no set_model, no PythonModel), so the {done} model would not load")
    else:
        return None  # another flavor logging an object: not the agent we migrate
    return DriverCall(node=node, line=0, kind=function, message=(
        f"`mlflow.{flavor}.{function}` {verb} {what}: deploy with {BUNDLE_COMMANDS} and remove this call"
    ))


def _first_argument(node: cst.Call, limit: int = 40) -> str:
    """`first_arg, ...` as written (tells two calls of the same function apart in the report)."""
    if not node.args:
        return ""
    text = " ".join(cst.Module([]).code_for_node(node.args[0]).split()).rstrip(",").strip()
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text + (", ..." if len(node.args) > 1 else "")


def _string(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


