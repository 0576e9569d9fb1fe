"""Deployment side of a migration: `app.yaml`, `databricks.yml` and the deploy diff.

Entry point for the rest of the library: :func:`plan_deployment`. It reads what the project says
about its Model Serving deployment (driver code, an MLmodel directory, optionally the live
endpoint), and returns the files to create or update plus the manual steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from migrate_agent.model import FileResult, ManualStep


@dataclass(frozen=True)
class AppSpec:
    """What the code migration decided about the app the deployment must run."""

    command: list[str]  # the app.yaml command, e.g. ["python", "start_server.py"]
    agent_module: str  # dotted module of the migrated agent, e.g. "agent"
    agent_path: str  # project-relative path of the agent file


@dataclass
class DeploymentPlan:
    files: list[FileResult] = field(default_factory=list)  # CREATED / UPDATED files
    manual_steps: list[ManualStep] = field(default_factory=list)
    diff_markdown: str = ""  # the deploy diff as shown by `plan` (plain text, Markdown tables)
    diff_json: dict = field(default_factory=dict)  # the same for --format json
