"""The deploy diff: Model Serving beside Databricks Apps, item by item, as Markdown and as data.

The Markdown is what `plan` prints and what `apply` writes into MIGRATION.md (inside a marked
block, so a user's own MIGRATION.md is kept); the JSON dict carries the same content for
`--format json`. Nothing here depends on where the project lives or on the clock: the text is
the same on every run over the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migrate_agent.deploy.map.apps_model import SOURCE_CODE_PATH, AppsDeployment, DiffItem
from migrate_agent.deploy.map.env_mapping import decide_env
from migrate_agent.deploy.read.code_facts import ModelServingCall
from migrate_agent.deploy.read.serving_merge import SINGLE_VALUES
from migrate_agent.deploy.read.serving_model import ServingDeployment
from migrate_agent.deploy.rules import RULES_BY_ID
from migrate_agent.deploy.write.app_yaml_file import app_yaml_env
from migrate_agent.deploy.write.value_text import as_json, redacted
from migrate_agent.model import ManualStep

BLOCK_BEGIN = "<!-- migrate-agent:deploy:begin -->"
BLOCK_END = "<!-- migrate-agent:deploy:end -->"


@dataclass(frozen=True, kw_only=True)
class DeployReport:
    """Everything MIGRATION.md and the deploy diff are rendered from."""

    serving: ServingDeployment
    apps: AppsDeployment
    steps: list[ManualStep]
    commands: list[str]
    smoke_test: list[str]
    placeholder_example: bool
    bundle_path: str
    app_yaml_path: str
    model_serving_calls: tuple[ModelServingCall, ...] = ()  # driver calls marked MA007
    retired_endpoint: str | None = None  # the endpoint whose callers were looked for
    endpoint_callers: tuple = ()  # migrate_agent.callers.EndpointCaller


def render_markdown(report: DeployReport) -> str:
    serving, apps = report.serving, report.apps
    lines = ["# Deployment: Model Serving → Databricks Apps", ""]
    if serving.sources:
        lines.append("Read from: " + ", ".join(f"`{what}` ({how})" for what, how in serving.sources) + ".")
    else:
        lines.append(
            "No Model Serving deployment was found (no `log_model` / `agents.deploy` call, MLmodel or "
            "endpoint): the app gets the base configuration only."
        )
    lines += [
        "",
        f"App `{apps.app_name}` (bundle key `{apps.bundle_key}`) is defined in `{report.bundle_path}`; "
        f"its command and environment are in `{report.app_yaml_path}`.",
        "",
        "## Item by item",
        "",
        "| Item | Model Serving | Databricks Apps | Outcome | Why / what to do |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [_row(item) for item in apps.items]
    if serving.permissions_origin is None and serving.endpoint_name is not None:
        lines += [
            "",
            "Endpoint permissions were not read (pass `--endpoint NAME` to read them): grant `CAN_USE` "
            "on the app to whoever could query the endpoint.",
        ]
    lines += ["", "## Manual steps", ""]
    if report.steps:
        lines += ["| Rule | Where | What to do |", "| --- | --- | --- |"]
        lines += [f"| {s.rule} | `{s.location()}` | {_cell(s.message)} |" for s in report.steps]
        lines += ["", "Rules:", ""]
        for rule_id in sorted({s.rule for s in report.steps}):
            rule = RULES_BY_ID[rule_id]
            lines.append(f"- **{rule.id}** {rule.title}: {rule.help}")
    else:
        lines.append("None.")
    if report.model_serving_calls:
        lines += [
            "",
            "## Model Serving calls left in the code",
            "",
            "These calls still log, register or deploy the agent for Model Serving; each is marked "
            "`TODO(migrate-agent): [MA007]`. Deploy the app with the commands below instead, then "
            "remove them.",
            "",
            "| Where | Call |",
            "| --- | --- |",
        ]
        lines += [f"| `{c.location()}` | {_cell(c.message)} |" for c in report.model_serving_calls]
    if report.retired_endpoint:
        lines += _retirement(report)
    lines += ["", "## Deploy", "", "```bash", *report.commands, "```", "", "## Smoke test", ""]
    if report.placeholder_example:
        lines += ["No input example was found: the request body below is a placeholder.", ""]
    lines += ["```bash", *report.smoke_test, "```", ""]
    return "\n".join(lines)


def _retirement(report: DeployReport) -> list[str]:
    """What still points at the endpoint the app replaces, and when it can be deleted."""
    endpoint, app = report.retired_endpoint, report.apps.app_name
    callers = report.endpoint_callers
    left = [c for c in callers if c.status != "calls the app"]
    lines = ["", "## Endpoint retirement", ""]
    if callers:
        lines += [
            f"Code of this project that calls the Model Serving endpoint `{endpoint}` (by name), or the app "
            "that replaces it:",
            "",
            "| Where | Caller | Code | Now |",
            "| --- | --- | --- | --- |",
        ]
        lines += [f"| `{c.location()}` | {_cell(c.kind)} | `{_cell(c.code)}` | {c.status} |" for c in callers]
        lines.append("")
        if any(c.status == "calls the app" for c in callers):
            lines += [
                "The code that calls the app does so through `DatabricksOpenAI` (package databricks-openai: install "
                "it where that code runs) with its workspace client's authentication. Apps accept OAuth tokens "
                "only: run it after `databricks auth login`, or as a service principal with an OAuth secret; a "
                "personal access token (`DATABRICKS_TOKEN`) is refused.",
                "",
            ]
    else:
        lines += [f"No code of this project names the Model Serving endpoint `{endpoint}`.", ""]
    still = (f"{len(left)} of them still point at the endpoint (MA009): delete `{endpoint}` once none does, "
             if left else f"Nothing in this project points at `{endpoint}` any more: delete it once ")
    lines.append(
        still + f"the app `{app}` is deployed and answers, and callers outside this repository (jobs and "
        "dashboards defined in the workspace, other teams' code) have moved, i.e. the endpoint's metrics "
        f"(or its inference table) show no more requests: `databricks serving-endpoints delete {endpoint}`."
    )
    return lines


def render_json(report: DeployReport) -> dict[str, Any]:
    serving, apps = report.serving, report.apps
    model_serving: dict[str, Any] = {
        name: redacted(getattr(serving, name).value)
        for name in SINGLE_VALUES if getattr(serving, name) is not None
    }
    model_serving["env"] = [_env_json(v) for v in serving.env]
    model_serving["resources"] = [
        {
            "kind": r.kind,
            "identifier": as_json(r.identifier),
            "on_behalf_of_user": r.on_behalf_of_user,
            "source": str(r.origin),
        }
        for r in serving.resources
    ]
    model_serving["api_scopes"] = [s.value for s in serving.api_scopes]
    model_serving["ai_gateway"] = [f.value for f in serving.ai_gateway]
    model_serving["traffic_routes"] = [f.value for f in serving.traffic_routes]
    model_serving["permissions"] = [
        {"principal_type": p.principal_type, "principal": p.principal, "level": p.level} for p in serving.permissions
    ]
    return {
        "sources": [{"source": what, "kind": how} for what, how in serving.sources],
        "model_serving": model_serving,
        "app": {
            "name": apps.app_name,
            "bundle_key": apps.bundle_key,
            "bundle_file": report.bundle_path,
            "app_yaml_file": report.app_yaml_path,
            "source_code_path": SOURCE_CODE_PATH,
            "command": list(apps.command),
            "env": [app_yaml_env(e) for e in apps.env],
            "resources": ([apps.experiment_entry.as_yaml()] if apps.experiment_entry else [])
            + [r.as_yaml() for r in apps.resources],
            "user_api_scopes": list(apps.user_api_scopes),
            "user_api_scope_evidence": {
                scope: [{"path": c.path, "line": c.line, "code": c.code} for c in calls]
                for scope, calls in apps.scope_evidence.items()
            },
            "permissions": list(apps.permissions),
            "experiment": {"key": apps.experiment_key, "resource": apps.experiment_resource},
            "on_behalf_of_user": list(apps.on_behalf_of_user),
        },
        "items": [
            {
                "item": i.item,
                "model_serving": i.serving,
                "apps": i.apps,
                "outcome": i.outcome,
                "note": i.note,
                "rule": i.rule,
            }
            for i in apps.items
        ],
        "manual_steps": [
            {"rule": s.rule, "message": s.message, "path": s.path, "line": s.line} for s in report.steps
        ],
        "model_serving_calls": [
            {"path": c.path, "line": c.line, "message": c.message} for c in report.model_serving_calls
        ],
        "endpoint_retirement": {
            "endpoint": report.retired_endpoint,
            "callers": [
                {"path": c.path, "line": c.line, "cell": c.cell.rstrip(": ") or None, "kind": c.kind,
                 "code": c.code, "status": c.status}
                for c in report.endpoint_callers
            ],
        },
        "commands": list(report.commands),
        "smoke_test": {"commands": list(report.smoke_test), "placeholder_example": report.placeholder_example},
    }


def migration_file_text(existing: str | None, markdown: str) -> str:
    """MIGRATION.md with the deploy block set: created, replaced in place, or appended."""
    block = f"{BLOCK_BEGIN}\n{markdown.rstrip()}\n{BLOCK_END}\n"
    if existing is None or not existing.strip():
        return block
    start = existing.find(BLOCK_BEGIN)
    end = existing.find(BLOCK_END, start + 1) if start >= 0 else -1
    if start >= 0 and end >= 0:
        tail = existing[end + len(BLOCK_END):]
        return existing[:start] + block + (tail[1:] if tail.startswith("\n") else tail)
    return existing.rstrip("\n") + "\n\n" + block


def has_deploy_block(text: str | None) -> bool:
    return text is not None and BLOCK_BEGIN in text and BLOCK_END in text


def _row(item: DiffItem) -> str:
    outcome = f"{item.outcome} ({item.rule})" if item.rule else item.outcome
    cells = [item.item, item.serving, item.apps, outcome, item.note]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") or " "


def _env_json(variable) -> dict[str, Any]:
    decision = decide_env(variable)
    value = "(hidden)" if decision.hide_value else as_json(variable.value)
    return {"name": variable.name, "value": value, "outcome": decision.outcome}
