"""Deployment side of a migration: `app.yaml`, `databricks.yml` and the deploy diff.

Entry point for the rest of the library: :func:`plan_deployment`. It reads what the project says
about its Model Serving deployment (driver code, an MLmodel directory, optionally the live
endpoint), and returns the files to create or update plus the manual steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from migrate_agent.deploy.map.apps_model import MODEL_CONFIG_FILE
from migrate_agent.deploy.planner import (
    DeploymentReading,
    map_deployment,
    read_deployment,
    write_deployment,
)
from migrate_agent.deploy.read.code_facts import CodeFacts
from migrate_agent.model import FileResult, ManualStep


@dataclass(frozen=True, kw_only=True)
class AppSpec:
    """What the code migration decided about the app the deployment must run."""

    command: list[str]  # the app.yaml command, e.g. ["python", "start_server.py"]
    agent_module: str  # dotted module of the migrated agent, e.g. "agent"
    agent_path: str  # project-relative path of the agent file
    code: CodeFacts = CodeFacts()  # user-client calls (user API scopes), Model Serving calls left


@dataclass
class DeploymentPlan:
    """The deployment side of a plan: files, manual steps, the deploy diff."""

    files: list[FileResult] = field(default_factory=list)  # CREATED / UPDATED / UNCHANGED (FAILED: unreadable)
    manual_steps: list[ManualStep] = field(default_factory=list)
    diff_markdown: str = ""  # the deploy diff as shown by `plan` (plain text, Markdown tables)
    diff_json: dict = field(default_factory=dict)  # the same for --format json
    app_name: str = ""  # the Databricks app's name
    bundle_key: str = ""  # its key under resources.apps (`databricks bundle run <key>`)
    model_config_path: str | None = None  # YAML file written from a dict model_config, if any
    # a requested source (--endpoint) not read, a project YAML file that cannot be merged
    errors: list[str] = field(default_factory=list)
    pip_requirements: list[str] = field(default_factory=list)  # pinned by the driver / endpoint


def plan_deployment(
    root: Path,
    sources: Mapping[str, str],
    app: AppSpec,
    *,
    model_dir: Path | None = None,
    endpoint: str | None = None,
) -> DeploymentPlan:
    """Plan the Databricks Apps deployment that replaces the project's Model Serving one:
    read it, map it, write the files (the three deploy stages of :mod:`migrate_agent.pipeline`).

    `sources`: project-relative POSIX paths of the project's candidate .py files and their text
    (read statically, never imported). `model_dir`: a downloaded model folder (or its MLmodel
    file); without it, MLmodel files under `root` are read. `endpoint`: name of a live serving
    endpoint to read with databricks-sdk and the user's Databricks authentication.
    Files come back CREATED, UPDATED or UNCHANGED (same bytes), never written here.
    """
    root = Path(root)
    reading = read_deployment(root, sources, model_dir=model_dir, endpoint=endpoint)
    return deployment_plan(root, reading, app)


def deployment_plan(
    root: Path, reading: DeploymentReading, app: AppSpec, *, rules: frozenset[str] | None = None
) -> DeploymentPlan:
    """The deploy map and write stages over what the deploy read stage found; `rules`: the rule
    ids selected (None: all), the only ones whose steps are reported (MIGRATION.md too)."""
    mapping = map_deployment(root, reading, list(app.command), app.agent_path, app.code)
    written = write_deployment(root, reading, mapping, app.code, rules=rules)
    return DeploymentPlan(
        files=list(written.files),
        manual_steps=list(written.steps),
        diff_markdown=written.markdown,
        diff_json=written.data,
        app_name=mapping.apps.app_name,
        bundle_key=mapping.apps.bundle_key,
        model_config_path=MODEL_CONFIG_FILE if mapping.apps.model_config is not None else None,
        errors=list(reading.errors) + list(written.errors),
        pip_requirements=reading.pip_requirements,
    )
