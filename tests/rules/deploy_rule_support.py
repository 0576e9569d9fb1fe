"""Helpers of the MA1xx rule modules: a project from inline files, its deployment plan, its steps."""

from __future__ import annotations

import textwrap
from pathlib import Path

from migrate_agent.deploy import AppSpec, plan_deployment

DEFAULT_APP = AppSpec(command=["python", "start_server.py"], agent_module="agent", agent_path="agent.py")


def python_sources(root: Path) -> dict[str, str]:
    """Every .py file of the project, as the CLI's prefilter would hand them over."""
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.py"))
        if ".venv" not in p.parts
    }


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def plan(root: Path, **options):
    return plan_deployment(root, python_sources(root), DEFAULT_APP, **options)


def file(result_plan, path: str):
    return next(f for f in result_plan.files if f.path == path)


def rules(result_plan) -> list[str]:
    return [s.rule for s in result_plan.manual_steps]


def steps(result_plan, *rule_ids: str) -> list[tuple[str | None, int | None, str]]:
    """(path, line, message) of the plan's manual steps of these rules."""
    return [(s.path, s.line, s.message) for s in result_plan.manual_steps if s.rule in rule_ids]


DRIVER = """\
import mlflow
from mlflow.models.resources import DatabricksServingEndpoint
mlflow.pyfunc.log_model(name="agent", python_model="agent.py",
                        resources=[DatabricksServingEndpoint("databricks-claude-3-7-sonnet")])
"""
