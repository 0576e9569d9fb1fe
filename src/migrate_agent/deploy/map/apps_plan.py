"""The Databricks Apps deployment that replaces the Model Serving one, decided item by item.

Input: the merged `ServingDeployment`, the code migration's `AppSpec`, and the app already
defined in the project's bundle (if any). Output: an `AppsDeployment` (app name, typed app
resources, env, user API scopes, permissions...) plus one `DiffItem` per Model Serving item —
mapped / dropped (why) / manual step (what to do) — and the manual steps.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from migrate_agent.deploy.map.apps_model import (
    MATCH_FIELDS_BY_KEY,
    MODEL_CONFIG_FILE,
    SOURCE_CODE_PATH,
    AppResourceEntry,
    AppsDeployment,
    DiffItem,
    EnvEntry,
    ExistingApp,
    identity_of,
)
from migrate_agent.deploy.map.env_mapping import (
    BASE_ENV,
    EXPERIMENT_ENV,
    EnvDecision,
    decide_env,
    looks_like_credential,
)
from migrate_agent.deploy.map.names import (
    FALLBACK_APP_NAME,
    app_name,
    bundle_key,
    is_valid_app_name,
    resource_name,
    slug,
    unique,
)
from migrate_agent.deploy.map.resource_kinds import (
    EXPERIMENT_MATCH_FIELDS,
    KINDS_BY_NAME,
    SECRET_MATCH_FIELDS,
    app_resource_body,
)
from migrate_agent.deploy.map.user_scopes import InferredScopes, infer_scopes
from migrate_agent.deploy.read.code_facts import CodeFacts
from migrate_agent.deploy.read.serving_model import (
    CallValue,
    Fact,
    Origin,
    ServingDeployment,
    ServingResource,
    Unresolved,
)
from migrate_agent.deploy.rules import manual_step
from migrate_agent.deploy.write.value_text import show

EXPERIMENT_PERMISSION = "CAN_EDIT"  # enough to log traces to it
# Endpoint ACL level -> app permission level (bundle schema apps.AppPermissionLevel).
APP_PERMISSION_FOR = {"CAN_QUERY": "CAN_USE", "CAN_MANAGE": "CAN_MANAGE"}
_EXPERIMENT_REFERENCE = re.compile(r"^\$\{resources\.experiments\.([^.}]+)\.id\}$")
_REMOTE_PREFIXES = ("dbfs:", "/dbfs", "/Volumes", "/Workspace", "runs:", "models:")

MAPPED, DROPPED, MANUAL = "mapped", "dropped", "manual step"
EVIDENCE_SHOWN = 5  # user-client calls listed per inferred scope


def plan_apps(
    serving: ServingDeployment, command: list[str], agent_path: str, existing: ExistingApp, root: Path,
    code: CodeFacts = CodeFacts(),
) -> AppsDeployment:
    return _Planner(serving, command, agent_path, existing, root, code).build()


class _Planner:
    def __init__(self, serving, command, agent_path, existing: ExistingApp, root: Path, code: CodeFacts) -> None:
        self.serving: ServingDeployment = serving
        # The code acts as the calling user but the model declared no scopes: infer them.
        uses_identity = code.uses_user_identity or bool(code.user_client_calls)
        self.inferred = None
        if uses_identity and not serving.api_scopes:
            self.inferred = infer_scopes(code.user_client_calls)
        self.agent_path = agent_path
        self.existing = existing
        self.root = root
        self.taken = {r.get("name") for r in existing.resources if isinstance(r, dict)}
        # Grants the user's bundle already has, by identity: (entry name, typed body).
        self.existing_entries = {
            identity_of(key, r.get(key), m): (str(r.get("name")), r.get(key))
            for r in existing.resources if isinstance(r, dict)
            for key, m in MATCH_FIELDS_BY_KEY.items() if key in r and isinstance(r.get(key), dict)
        }
        name = choose_app_name(serving, existing)
        experiment_key, experiment_resource, experiment_entry = self._experiment(bundle_key(existing.key or name))
        self.out = AppsDeployment(
            app_name=name,
            bundle_key=existing.key or bundle_key(name),
            command=list(command),
            experiment_key=experiment_key,
            experiment_resource=experiment_resource,
            experiment_entry=experiment_entry,
        )

    # -- the whole plan ---------------------------------------------------------------
    def build(self) -> AppsDeployment:
        self._model_and_endpoint()
        self._compute()
        self._environment()
        self._resources()
        self._scopes()
        self._experiment_item()
        self._gateway_and_traffic()
        self._permissions()
        self._model_files()
        for problem in self.serving.problems:
            self._step(problem.rule, problem.message, problem.origin)
        return self.out

    # -- items ------------------------------------------------------------------------
    def _item(self, item, serving, apps, outcome, note="", rule=None, origin: Origin | None = None, step=None):
        self.out.items.append(DiffItem(item=item, serving=serving, apps=apps, outcome=outcome, note=note, rule=rule))
        if rule is not None:
            self._step(rule, step or f"{item}: {note}", origin)

    def _step(self, rule: str, message: str, origin: Origin | None) -> None:
        path = origin.path if origin else None
        line = origin.line if origin else None
        step = manual_step(rule, message, path, line)
        if step not in self.out.steps:
            self.out.steps.append(step)

    def _model_and_endpoint(self) -> None:
        s, out = self.serving, self.out
        if s.uc_model is not None:
            version = f" version {show(s.model_version.value)}" if s.model_version is not None else ""
            self._item(
                "UC model",
                f"{show(s.uc_model.value)}{version}",
                f"app source code (`source_code_path: {SOURCE_CODE_PATH}`)",
                MAPPED,
                "the app runs the project's code; the registered model is not loaded",
            )
        if s.python_model is not None:
            self._item(
                "Agent code",
                show(s.python_model.value),
                f"`{self.agent_path}`, started by `{' '.join(out.command)}`",
                MAPPED,
            )
        endpoint = show(s.endpoint_name.value) if s.endpoint_name is not None else "—"
        self._item("Endpoint", endpoint, f"app `{out.app_name}` (bundle key `{out.bundle_key}`)", MAPPED,
                   "the app serves `POST /invocations` at its own URL")
        if s.served_entity is not None:
            self._item(
                "Served entity",
                show(s.served_entity.value),
                "—",
                DROPPED,
                "an app runs one version of the code, not served entities",
            )
        if s.description is not None and isinstance(s.description.value, str):
            out.description = s.description.value
            self._item("Description", show(s.description.value), "`description`", MAPPED)
        for attribute, label in (("usage_policy_id", "Usage policy"), ("budget_policy_id", "Budget policy")):
            fact = getattr(s, attribute)
            if fact is not None and isinstance(fact.value, str):
                setattr(out, attribute, fact.value)
                self._item(label, show(fact.value), f"`{attribute}`", MAPPED)
        if s.tags is not None:
            self._item("Endpoint tags", show(s.tags.value), "—", DROPPED,
                       "apps have no tags; attribute cost with a usage policy (`usage_policy_id`)")

    def _compute(self) -> None:
        s = self.serving
        if s.workload_size is not None:
            self._item(
                "Workload size",
                show(s.workload_size.value),
                "—",
                DROPPED,
                "apps are sized by `compute_size` (MEDIUM by default), not by concurrency; raise it if the agent needs more",
            )
        if s.workload_type is not None:
            kind = str(s.workload_type.value)
            if "GPU" in kind.upper():
                self._item(
                    "Workload type",
                    kind,
                    "—",
                    MANUAL,
                    "apps run on CPU only",
                    "MA106",
                    s.workload_type.origin,
                    f"the endpoint runs on {kind}; keep the GPU model on Model Serving and query it from the app",
                )
            else:
                self._item("Workload type", kind, "CPU", MAPPED)
        if s.scale_to_zero is not None:
            if s.scale_to_zero.value is True:
                self._item("Scale to zero", "true", "—", DROPPED,
                           "an app runs while it is started; stop it (`databricks apps stop`) when it is not needed")
            else:
                self._item("Scale to zero", show(s.scale_to_zero.value), "always on while started", MAPPED)
        if s.instance_profile_arn is not None:
            self._item("Instance profile", show(s.instance_profile_arn.value), "—", MANUAL,
                       "an app cannot assume an instance profile", "MA107", s.instance_profile_arn.origin,
                       f"instance_profile_arn {show(s.instance_profile_arn.value)} has no Apps equivalent")

    # -- environment ------------------------------------------------------------------
    def _environment(self) -> None:
        out = self.out
        out.env = [EnvEntry(name=name, value=value) for name, value in BASE_ENV]
        out.env.append(EnvEntry(name=EXPERIMENT_ENV, value_from=out.experiment_resource))
        for variable in self.serving.env:
            self._env_variable(decide_env(variable))

    def _env_variable(self, decision: EnvDecision) -> None:
        variable = decision.variable
        shown = "(hidden)" if decision.hide_value else show(variable.value)
        item = f"Env `{variable.name}`"
        if decision.outcome == "copied":
            self.out.env.append(EnvEntry(name=variable.name, value=decision.value))
            self._item(item, shown, "`app.yaml` env value", MAPPED)
        elif decision.outcome == "secret":
            scope, key = decision.secret
            entry = self._add_resource(
                "secret", {"scope": scope, "key": key, "permission": "READ"}, SECRET_MATCH_FIELDS,
                slug(variable.name, 60) or "secret",
            )
            self.out.env.append(EnvEntry(name=variable.name, value_from=entry.name))
            self._item(item, shown, f"secret resource `{entry.name}` (READ) + `valueFrom: {entry.name}`", MAPPED,
                       "the secret value is never written to a file")
        elif decision.outcome == "replaced":
            self._item(item, shown, "set by the app", DROPPED, decision.note)
        elif decision.outcome == "dropped" and decision.rule is None:
            self._item(item, shown, "—", DROPPED, decision.note)
        else:
            dropped = decision.outcome == "dropped"
            self._item(
                item,
                shown,
                "—",
                DROPPED if dropped else MANUAL,
                decision.note,
                decision.rule,
                variable.origin,
                f"environment variable `{variable.name}` {'dropped' if dropped else 'not copied'}: {decision.note}",
            )

    # -- resources --------------------------------------------------------------------
    def _add_resource(self, key: str, body: dict[str, str], match: tuple[str, ...], base: str) -> AppResourceEntry:
        identity = identity_of(key, body, match)
        for entry in self.out.resources:
            if entry.identity() == identity:
                return entry
        if identity in self.existing_entries:
            # Already granted in the user's bundle: that entry is kept as it is (its permission too).
            name, existing_body = self.existing_entries[identity]
            entry = AppResourceEntry(name, key, {k: str(v) for k, v in existing_body.items()}, match)
            self.out.resources.append(entry)
            return entry
        name = unique(base, self.taken)
        self.taken.add(name)
        entry = AppResourceEntry(name, key, body, match)
        self.out.resources.append(entry)
        return entry

    def _resources(self) -> None:
        for resource in self.serving.resources:
            self._resource(resource)
        if self.out.on_behalf_of_user:
            names = ", ".join(f"`{n}`" for n in self.out.on_behalf_of_user)
            if self.serving.api_scopes or self.inferred:
                message = (f"resources reached with the user's token ({names}): have a workspace admin enable user "
                           "authorization for apps, and make the code use the X-Forwarded-Access-Token header")
            else:
                message = (f"resources reached with the user's token ({names}) but no user API scopes were found: "
                           "add the scopes they need to `user_api_scopes`, have a workspace admin enable user "
                           "authorization for apps, and make the code use the X-Forwarded-Access-Token header")
            self._step("MA110", message, None)

    def _resource(self, resource: ServingResource) -> None:
        origin = resource.origin
        identifier = resource.identifier
        kind = KINDS_BY_NAME.get(resource.kind)
        label = kind.label if kind else (resource.kind or "unreadable")
        if isinstance(identifier, Unresolved):
            where = (
                Origin(label=identifier.path or origin.label, path=identifier.path, line=identifier.line)
                if identifier.path
                else origin
            )
            self._item(
                f"Resource ({label})",
                f"`{identifier.code}`",
                "—",
                MANUAL,
                f"not readable statically: {identifier.reason}",
                "MA101",
                where,
                f"resource `{identifier.code}` {identifier.reason}; add the app resource it needs to databricks.yml",
            )
            return
        if kind is None or not resource.known_kind:
            self._item(
                f"Resource ({label})",
                f"`{identifier}`",
                "—",
                MANUAL,
                "unknown resource kind",
                "MA113",
                origin,
                f"resource `{identifier}` of unknown kind `{resource.kind}`",
            )
            return
        serving_text = f"{kind.mlflow_class} `{identifier}`"
        if resource.on_behalf_of_user:
            self.out.on_behalf_of_user.append(identifier)
            self._item(
                f"Resource ({label})",
                serving_text + " (on behalf of user)",
                "reached with the user's token (`user_api_scopes`)",
                MAPPED,
                "not granted to the app's service principal: the app calls it with the invoking user's token",
            )
            return
        if kind.apps_key is None:
            self._item(f"Resource ({label})", serving_text, "—", MANUAL, "no Apps resource type", "MA102", origin,
                       f"{kind.label} `{identifier}`: grant the app's service principal access by hand")
            return
        entry = self._add_resource(kind.apps_key, app_resource_body(kind, identifier), kind.match_fields,
                                   resource_name(kind.name_prefix, identifier))
        permission = entry.body.get("permission", "")
        detail = f" {entry.body['securable_type']}" if "securable_type" in entry.body else ""
        apps_text = f"`{kind.apps_key}`{detail} {permission} (`{entry.name}`)"
        if kind.kind == "genie_space":
            self._item(
                f"Resource ({label})",
                serving_text,
                apps_text,
                MANUAL,
                "`name` is required but only the space id is known; the id was put there",
                "MA103",
                origin,
                f"Genie space `{identifier}`: set the app resource `{entry.name}`'s genie_space.name to the space's title",
            )
            return
        note = "database `databricks_postgres` (default)" if kind.kind == "lakebase" else ""
        self._item(f"Resource ({label})", serving_text, apps_text, MAPPED, note)

    def _scopes(self) -> None:
        for scope in self.serving.api_scopes:
            if scope.value not in self.out.user_api_scopes:
                self.out.user_api_scopes.append(scope.value)
                self._item("User API scope", f"`{scope.value}`", "`user_api_scopes`", MAPPED,
                           "needs user authorization enabled for apps")
        if self.serving.api_scopes and not self.out.on_behalf_of_user:
            self._step("MA110", "the model declares user API scopes: have a workspace admin enable user authorization "
                                "for apps, and make the code use the X-Forwarded-Access-Token header", None)
        if self.inferred is not None:
            self._inferred_scopes(self.inferred)

    def _inferred_scopes(self, inferred: InferredScopes) -> None:
        """user_api_scopes from what the user clients call (no auth_policy declared any)."""
        for scope, calls in inferred.evidence.items():
            if scope not in self.out.user_api_scopes:
                self.out.user_api_scopes.append(scope)
            self.out.scope_evidence[scope] = list(calls)
            shown = [f"`{c.location()}` `{c.code}`" for c in calls[:EVIDENCE_SHOWN]]
            if len(calls) > EVIDENCE_SHOWN:
                shown.append(f"and {len(calls) - EVIDENCE_SHOWN} more")
            note = ("used by " + ", ".join(shown)) if calls else "granted to every app with user authorization"
            self._item("User API scope", "— (no auth_policy scopes)", f"`{scope}` in `user_api_scopes`", MAPPED,
                       f"inferred: {note}")
        for call in inferred.unknown:
            if call.service is None:
                what = f"the user client is passed to `{call.code}`, whose API calls are not known here"
            else:
                what = f"`{call.code}` uses the user client for a service whose user API scope is not known"
            self._step("MA117", f"{what}: add the scopes it needs to `user_api_scopes` in databricks.yml",
                       Origin(label=call.path, path=call.path, line=call.line))
        if not self.out.on_behalf_of_user:
            self._step(
                "MA110",
                "the code acts as the calling user: `user_api_scopes` were inferred from its user-client "
                "calls (evidence in MIGRATION.md); have a workspace admin enable user authorization "
                "for apps",
                None,
            )

    def _experiment(self, key_base: str) -> tuple[str | None, str, AppResourceEntry | None]:
        for resource in self.existing.resources:
            if isinstance(resource, dict) and isinstance(resource.get("experiment"), dict):
                reference = str(resource["experiment"].get("experiment_id", ""))
                match = _EXPERIMENT_REFERENCE.match(reference)
                return (match.group(1) if match else None), str(resource.get("name")), None
        experiment_key = f"{key_base}_experiment"
        body = {"experiment_id": f"${{resources.experiments.{experiment_key}.id}}", "permission": EXPERIMENT_PERMISSION}
        name = unique("experiment", self.taken)
        self.taken.add(name)
        return experiment_key, name, AppResourceEntry(name, "experiment", body, EXPERIMENT_MATCH_FIELDS)

    def _experiment_item(self) -> None:
        out, s = self.out, self.serving
        target = f"experiment `{out.experiment_key}`" if out.experiment_key else "the bundle's experiment"
        apps = f"{target} → `{EXPERIMENT_ENV}` (`valueFrom: {out.experiment_resource}`)"
        if s.experiment is not None:
            self._item("MLflow experiment", show(s.experiment.value), apps, MAPPED,
                       "traces go to the bundle's experiment; to keep the old one, put its id in the app resource")
        else:
            self._item("MLflow experiment", "—", apps, MAPPED, "the app's traces go here")

    def _gateway_and_traffic(self) -> None:
        for feature in self.serving.ai_gateway:
            self._item(
                "AI Gateway",
                str(feature.value),
                "—",
                MANUAL,
                "no Apps equivalent; trace to the experiment instead",
                "MA108",
                feature.origin,
                f"AI Gateway {feature.value} have no Apps equivalent",
            )
        if len(self.serving.traffic_routes) > 1:
            routes = ", ".join(str(r.value) for r in self.serving.traffic_routes)
            self._item("Traffic split", routes, "—", MANUAL, "an app runs one version", "MA109",
                       self.serving.traffic_routes[0].origin, f"traffic split {routes}: deploy one app per variant")

    def _permissions(self) -> None:
        for permission in self.serving.permissions:
            who = f"{permission.principal_type.replace('_name', '').replace('_', ' ')} `{permission.principal}`"
            level = APP_PERMISSION_FOR.get(permission.level)
            if level is None:
                self._item("Endpoint permission", f"{who}: {permission.level}", "—", DROPPED,
                           "apps have CAN_USE and CAN_MANAGE only; viewers need no grant")
                continue
            grant = {"level": level, permission.principal_type: permission.principal}
            if grant not in self.out.permissions:
                self.out.permissions.append(grant)
            self._item("Endpoint permission", f"{who}: {permission.level}", f"app `permissions`: {level}", MAPPED)

    # -- files ------------------------------------------------------------------------
    def _model_files(self) -> None:
        s = self.serving
        if s.model_config is not None:
            self._model_config(s.model_config)
        if s.pip_requirements is not None:
            self._item(
                "pip_requirements", show(s.pip_requirements.value), "`requirements.txt` (code migration)", MAPPED
            )
        if s.code_paths is not None:
            paths = s.code_paths.value if isinstance(s.code_paths.value, list) else [s.code_paths.value]
            for path in paths:
                self._project_file("code_paths", path, s.code_paths.origin)
        if s.artifacts is not None:
            artifacts = s.artifacts.value
            if isinstance(artifacts, dict):
                for name, uri in artifacts.items():
                    self._project_file(f"artifact `{name}`", uri, s.artifacts.origin)
            else:
                self._project_file("artifacts", artifacts, s.artifacts.origin)
        if s.input_example is not None:
            self._item("input_example", show(s.input_example.value), "smoke test `POST /invocations` (below)", MAPPED)

    def _model_config(self, fact: Fact) -> None:
        value = fact.value
        secret_key = _credential_key(value)
        if secret_key is not None:
            self._item("model_config", "(hidden)", "—", MANUAL, "holds a credential", "MA105", fact.origin,
                       f"model_config key `{secret_key}` looks like a credential, so `{MODEL_CONFIG_FILE}` was not "
                       "written: move it to a secret scope (secret resource + valueFrom) and write the file by hand")
        elif isinstance(value, dict) and not _has_unknown(value):
            self.out.model_config = value
            self._item("model_config", show(value), f"`{MODEL_CONFIG_FILE}`", MAPPED,
                       f'the code loads it with ModelConfig(development_config="{MODEL_CONFIG_FILE}")')
        elif isinstance(value, str) and self._project_path(value, fact.origin):
            path = self._project_path(value, fact.origin)
            self._item("model_config", f"`{value}`", f"`{path}` in the app source", MAPPED,
                       f'the code loads it with ModelConfig(development_config="{path}")')
        else:
            why = "not a file in the project" if isinstance(value, str) else "not readable statically"
            self._item("model_config", show(value), "—", MANUAL, why, "MA111", fact.origin,
                       f"model_config {show(value)} is {why}: write `{MODEL_CONFIG_FILE}` by hand and load it "
                       f'with ModelConfig(development_config="{MODEL_CONFIG_FILE}")')

    def _project_file(self, label: str, path: Any, origin: Origin) -> None:
        if not isinstance(path, str):
            self._item(label, show(path), "—", MANUAL, "not readable statically", "MA101", origin,
                       f"{label} {show(path)} could not be read")
            return
        if self._inside_project(path, origin):
            self._item(label, f"`{path}`", "uploaded with the app source", MAPPED)
        else:
            self._item(label, f"`{path}`", "—", MANUAL, "outside the app source", "MA112", origin,
                       f"{label} `{path}` is not in the project: copy it in or read it from a volume")

    def _inside_project(self, path: str, origin: Origin) -> bool:
        return self._project_path(path, origin) is not None

    def _project_path(self, path: str, origin: Origin) -> str | None:
        """`path` as written next to the code that named it (or from the root), if it is in the project."""
        if "://" in path or path.startswith(_REMOTE_PREFIXES) or posixpath.isabs(path):
            return None
        bases = [posixpath.dirname(origin.path)] if origin.path else []
        for base in [*bases, ""]:
            candidate = posixpath.normpath(posixpath.join(base, path))
            if not candidate.startswith("..") and (self.root / candidate).exists():
                return candidate
        return None


def choose_app_name(serving: ServingDeployment, existing: ExistingApp) -> str:
    if is_valid_app_name(existing.name):
        return existing.name
    candidates: list[str] = []
    endpoint = serving.endpoint_name.value if serving.endpoint_name else None
    model = serving.uc_model.value if serving.uc_model else None
    if isinstance(endpoint, str) and not endpoint.startswith("agents_"):
        candidates.append(endpoint)
    if isinstance(model, str):
        candidates.append(model.rsplit(".", 1)[-1])
    if isinstance(endpoint, str):
        candidates.append(endpoint.removeprefix("agents_"))
    for candidate in candidates:
        name = app_name(candidate)
        if name:
            return name
    return FALLBACK_APP_NAME


def _credential_key(value: Any, prefix: str = "") -> str | None:
    """The dotted key of the first credential-looking string value in a config mapping."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}{key}"
            if isinstance(item, str) and looks_like_credential(str(key).upper(), item):
                return path
            found = _credential_key(item, f"{path}.")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _credential_key(item, f"{prefix}{index}.")
            if found:
                return found
    return None


def _has_unknown(value: Any) -> bool:
    if isinstance(value, (Unresolved, CallValue)):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return not isinstance(value, (str, int, float, bool, type(None)))

