"""Reads the Model Serving deployment out of the project's driver code, statically.

Finds `mlflow.<flavor>.log_model` / `save_model`, `mlflow.register_model`,
`databricks.agents.deploy` and `mlflow.set_experiment` calls (whatever the import style: libcst
resolves the qualified names) and evaluates their arguments with `StaticEvaluator`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import libcst as cst
import yaml

from codemods.analysis import tree_walk
from codemods.analysis.driver_analysis import AGENTS_DEPLOY, ENDPOINT_WRITES, REGISTER_MODEL  # what MA007 marks
from migrate_agent.deploy.map.resource_kinds import KINDS_BY_CLASS
from migrate_agent.deploy.read.mlmodel_format import auth_policy_from_dict, resources_from_dict, split_scopes
from migrate_agent.deploy.read.python_source import ParsedFile, dotted_name
from migrate_agent.deploy.read.serving_model import (
    EnvVar,
    Fact,
    Origin,
    Problem,
    ServingDeployment,
    ServingResource,
    Unresolved,
)
from migrate_agent.deploy.read.static_eval import CallValue, ConfigValue, StaticEvaluator

# Positional parameters of mlflow.pyfunc.log_model (MLflow 3.x signature, installed source).
PYFUNC_LOG_MODEL_PARAMS = (
    "artifact_path", "loader_module", "data_path", "code_paths", "infer_code_paths", "conda_env",
    "python_model", "artifacts", "registered_model_name", "signature", "input_example",
    "await_registration_for", "pip_requirements", "extra_pip_requirements", "metadata",
    "model_config", "streamable", "resources", "auth_policy",
)
# Positional parameters of databricks.agents.deploy (databricks-agents 1.x).
AGENTS_DEPLOY_PARAMS = (
    "model_name", "model_version", "scale_to_zero", "environment_vars", "instance_profile_arn",
    "tags", "workload_size", "endpoint_name", "budget_policy_id", "description",
    "deploy_feedback_model", "usage_policy_id",
)
REGISTER_MODEL_PARAMS = ("model_uri", "name")
SET_EXPERIMENT_PARAMS = ("experiment_name", "experiment_id")

_LOG_MODEL = re.compile(r"^mlflow\.(\w+)\.(log_model|save_model)$")


def default_endpoint_name(model_name: str) -> str:
    """The endpoint name `agents.deploy` picks when none is given (databricks-agents source)."""
    return "agents_" + model_name[: 63 - len("agents_")].replace(".", "-").rstrip("_-")


def default_served_entity_name(model_name: str, version: Any) -> str:
    suffix = f"_{version}"
    return model_name[: 63 - len(suffix)].replace(".", "-").rstrip("_-") + suffix


class DriverReader:
    """Collects deployment facts from the driver files into one ServingDeployment."""

    def __init__(self, evaluator: StaticEvaluator) -> None:
        self._evaluator = evaluator
        self.found = ServingDeployment()
        self._deploy_calls: list[Origin] = []

    def read(self, paths: Iterable[str]) -> ServingDeployment:
        for path in sorted(paths):
            parsed = self._evaluator.parsed(path)
            if parsed is None:
                self._problem("MA101", f"{path} is not valid Python, so its deployment code was not read",
                              Origin(label=path, path=path))
                continue
            tree_walk.visit(parsed.module, _CallFinder(self, parsed))
        return self.found

    # -- the calls ----------------------------------------------------------------------
    def on_call(self, parsed: ParsedFile, node: cst.Call) -> None:
        names = parsed.qualified_names(node.func) | {dotted_name(node.func) or ""}
        origin = Origin(label=parsed.path, path=parsed.path, line=parsed.line(node))
        for name in sorted(names):
            match = _LOG_MODEL.match(name)
            if match:
                self._log_model(parsed, node, origin, match.group(1), match.group(2))
                return
            if name == REGISTER_MODEL:
                self._register_model(parsed, node, origin)
                return
            if name in AGENTS_DEPLOY:
                self._deploy(parsed, node, origin)
                return
            if name == "mlflow.set_experiment":
                self._set_experiment(parsed, node, origin)
                return
        written = dotted_name(node.func) or ""
        if any(written.endswith(suffix) for suffix in ENDPOINT_WRITES):
            self._note_source(origin)
            self._problem(
                "MA101",
                f"`{written}(...)` configures a serving endpoint through the SDK; its settings were not "
                "read: run with --endpoint NAME to read them from the workspace",
                origin,
            )

    def _arguments(self, parsed: ParsedFile, node: cst.Call, positional: tuple[str, ...]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        index = 0
        for arg in node.args:
            if arg.keyword is not None:
                values[arg.keyword.value] = self._evaluator.evaluate(parsed, arg.value)
            elif arg.star == "**":
                spread = self._evaluator.evaluate(parsed, arg.value)
                if isinstance(spread, dict):
                    values.update({str(k): v for k, v in spread.items()})
                else:
                    where = Origin(label=parsed.path, path=parsed.path, line=parsed.line(arg))
                    self._problem("MA101", f"keyword arguments `**{parsed.code(arg.value)}` of "
                                           f"`{parsed.code(node.func)}` could not be read statically", where)
            elif not arg.star and index < len(positional):
                values[positional[index]] = self._evaluator.evaluate(parsed, arg.value)
                index += 1
        return values

    def _log_model(self, parsed: ParsedFile, node: cst.Call, origin: Origin, flavor: str, function: str) -> None:
        if function == "save_model":
            positional: tuple[str, ...] = ("path",)  # save_model's later positions differ: keywords only
        else:
            positional = PYFUNC_LOG_MODEL_PARAMS if flavor == "pyfunc" else ("model",)
        args = self._arguments(parsed, node, positional)
        self._note_source(origin)
        found = self.found
        model = args.get("python_model", args.get("model", args.get("lc_model")))
        if model is not None and found.python_model is None:
            found.python_model = Fact(value=_describe(model), origin=origin)
        if "registered_model_name" in args and found.uc_model is None:
            found.uc_model = Fact(value=args["registered_model_name"], origin=origin)
        for key in ("model_config", "input_example", "signature", "pip_requirements", "code_paths", "artifacts"):
            if key in args and getattr(found, key) is None:
                value = args[key]
                if isinstance(value, ConfigValue):
                    value = dict(value.data)
                setattr(found, key, Fact(value=value, origin=origin))
        if "resources" in args and args["resources"] is not None:
            self._resources(parsed, args["resources"], origin)
        if "auth_policy" in args and args["auth_policy"] is not None:
            self._auth_policy(parsed, args["auth_policy"], origin)

    def _register_model(self, parsed: ParsedFile, node: cst.Call, origin: Origin) -> None:
        args = self._arguments(parsed, node, REGISTER_MODEL_PARAMS)
        self._note_source(origin)
        if "name" in args and self.found.uc_model is None:
            self.found.uc_model = Fact(value=args["name"], origin=origin)

    def _set_experiment(self, parsed: ParsedFile, node: cst.Call, origin: Origin) -> None:
        args = self._arguments(parsed, node, SET_EXPERIMENT_PARAMS)
        value = args.get("experiment_name", args.get("experiment_id"))
        if isinstance(value, (str, int)) and self.found.experiment is None:
            self.found.experiment = Fact(value=str(value), origin=origin)

    def _deploy(self, parsed: ParsedFile, node: cst.Call, origin: Origin) -> None:
        args = self._arguments(parsed, node, AGENTS_DEPLOY_PARAMS)
        self._note_source(origin)
        self._deploy_calls.append(origin)
        found = self.found
        if len(self._deploy_calls) > 1:
            first = self._deploy_calls[0]
            self._problem(
                "MA116",
                f"another `agents.deploy` call; the app describes the first one ({first})",
                origin,
            )
            return
        model = args.get("model_name")
        if model is not None:
            found.uc_model = Fact(value=model, origin=origin)
        if "model_version" in args:
            found.model_version = Fact(value=args["model_version"], origin=origin)
        endpoint = args.get("endpoint_name")
        if endpoint is None and isinstance(model, str):
            endpoint = default_endpoint_name(model)
        if endpoint is not None:
            found.endpoint_name = Fact(value=endpoint, origin=origin)
        version = args.get("model_version")
        if isinstance(model, str) and isinstance(version, (str, int)) and not isinstance(version, bool):
            found.served_entity = Fact(value=default_served_entity_name(model, version), origin=origin)
        found.workload_size = Fact(value=args.get("workload_size", "Small"), origin=origin)
        found.scale_to_zero = Fact(value=args.get("scale_to_zero", False), origin=origin)
        for key in ("instance_profile_arn", "description", "usage_policy_id", "budget_policy_id", "tags"):
            if args.get(key) is not None:
                setattr(found, key, Fact(value=args[key], origin=origin))
        # agents.deploy turns on AI Gateway inference tables when it creates the endpoint.
        found.ai_gateway.append(Fact(value="inference tables (enabled by agents.deploy)", origin=origin))
        if "environment_vars" in args and args["environment_vars"] is not None:
            self._environment(args["environment_vars"], origin)

    # -- argument shapes --------------------------------------------------------------
    def _environment(self, value: Any, origin: Origin) -> None:
        self.found.env_origin = origin
        if not isinstance(value, dict):
            self._problem("MA101", f"environment_vars {_why(value)}", _origin_of(value, origin))
            return
        for name, item in value.items():
            if isinstance(item, Unresolved):
                env_value: str | Unresolved = item
            elif isinstance(item, str):
                env_value = item
            else:
                env_value = Unresolved(_describe(item), "is not a string", origin.path, origin.line)
            self.found.env.append(EnvVar(name=str(name), value=env_value, origin=origin))

    def _resources(self, parsed: ParsedFile, value: Any, origin: Origin) -> None:
        if isinstance(value, str):
            self._resources_file(parsed, value, origin)
            return
        if not isinstance(value, list):
            self._add_resource(None, _as_unresolved(value, origin), None, origin)
            return
        for item in value:
            self._resource_item(item, origin)

    def _resource_item(self, item: Any, origin: Origin) -> None:
        if not isinstance(item, CallValue):
            self._add_resource(None, _as_unresolved(item, origin), None, _origin_of(item, origin))
            return
        here = Origin(label=item.path, path=item.path, line=item.line)
        kind = KINDS_BY_CLASS.get(item.short_name)
        if kind is None:
            self.found.resources.append(
                ServingResource(
                    kind=item.short_name, identifier=item.code, on_behalf_of_user=None, origin=here, known_kind=False
                )
            )
            return
        identifier = item.argument(0, kind.id_param)
        if not isinstance(identifier, (str, Unresolved)):
            identifier = Unresolved(item.code, f"has a {kind.id_param} that is not a string", item.path, item.line)
        obo = item.argument(1, "on_behalf_of_user")
        if isinstance(obo, Unresolved):
            self._problem("MA101", f"on_behalf_of_user of `{item.code}` {obo.reason}", here)
            obo = None
        self._add_resource(kind.kind, identifier, obo if isinstance(obo, bool) else None, here)

    def _resources_file(self, parsed: ParsedFile, name: str, origin: Origin) -> None:
        path = self._evaluator.project_path(parsed.path, name)
        text = self._evaluator.read_text(path) if path else None
        try:
            data = yaml.safe_load(text) if text is not None else None
        except yaml.YAMLError:
            data = None
        if not isinstance(data, dict):
            self._problem("MA101", f"resources file `{name}` is not a readable YAML file in the project", origin)
            return
        resources, problems = resources_from_dict(data, Origin(label=path, path=path))
        self.found.resources.extend(resources)
        self.found.problems.extend(problems)

    def _auth_policy(self, parsed: ParsedFile, value: Any, origin: Origin) -> None:
        if isinstance(value, dict):
            resources, scopes, problems = auth_policy_from_dict(value, origin)
            self.found.resources.extend(resources)
            self.found.api_scopes.extend(Fact(value=s, origin=origin) for s in scopes)
            self.found.problems.extend(problems)
            return
        if not isinstance(value, CallValue) or value.short_name != "AuthPolicy":
            self._problem("MA101", f"auth_policy {_why(value)}", _origin_of(value, origin))
            return
        user = value.argument(0, "user_auth_policy")
        system = value.argument(1, "system_auth_policy")
        if isinstance(system, CallValue) and system.short_name == "SystemAuthPolicy":
            self._resources(parsed, system.argument(0, "resources", []), origin)
        elif system is not None:
            self._problem("MA101", f"system_auth_policy {_why(system)}", _origin_of(system, origin))
        if isinstance(user, CallValue) and user.short_name == "UserAuthPolicy":
            self._scopes(user.argument(0, "api_scopes", []), Origin(label=user.path, path=user.path, line=user.line))
        elif user is not None:
            self._problem("MA101", f"user_auth_policy {_why(user)}", _origin_of(user, origin))

    def _scopes(self, value: Any, origin: Origin) -> None:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                self.found.api_scopes.extend(Fact(value=s, origin=origin) for s in split_scopes(item))
            else:
                self._problem("MA101", f"an API scope {_why(item)}", _origin_of(item, origin))

    # -- bookkeeping ------------------------------------------------------------------
    def _add_resource(self, kind: str | None, identifier, obo, origin: Origin) -> None:
        self.found.resources.append(
            ServingResource(kind=kind or "", identifier=identifier, on_behalf_of_user=obo, origin=origin)
        )

    def _problem(self, rule: str, message: str, origin: Origin | None) -> None:
        self.found.problems.append(Problem(rule=rule, message=message, origin=origin))

    def _note_source(self, origin: Origin) -> None:
        source = (origin.label, "driver code, read statically")
        if source not in self.found.sources:
            self.found.sources.append(source)


class _CallFinder(cst.CSTVisitor):
    def __init__(self, reader: DriverReader, parsed: ParsedFile) -> None:
        self._reader = reader
        self._parsed = parsed

    def visit_Call(self, node: cst.Call) -> None:
        self._reader.on_call(self._parsed, node)


def _describe(value: Any) -> Any:
    """A value shown in the diff: calls and unresolved values by their code."""
    if isinstance(value, CallValue):
        return value.code
    if isinstance(value, Unresolved):
        return value
    return value


def _as_unresolved(value: Any, origin: Origin) -> Unresolved:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, CallValue):
        return Unresolved(value.code, "is built at run time", value.path, value.line)
    return Unresolved(repr(value), "is not a resource object", origin.path, origin.line)


def _origin_of(value: Any, fallback: Origin) -> Origin:
    if isinstance(value, (Unresolved, CallValue)) and value.path:
        return Origin(label=value.path, path=value.path, line=value.line)
    return fallback


def _why(value: Any) -> str:
    if isinstance(value, Unresolved):
        return f"could not be read: `{value.code}` {value.reason}"
    if isinstance(value, CallValue):
        return f"could not be read: `{value.code}` is built at run time"
    return f"has an unexpected value `{value!r}`"
