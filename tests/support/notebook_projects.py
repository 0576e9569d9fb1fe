"""Small notebook projects for tests: Databricks source notebooks built from cells, planned."""

from __future__ import annotations

from pathlib import Path

from migrate_agent.api import plan_project

GOLDEN = Path(__file__).parents[1] / "golden"
AGENT = (GOLDEN / "predict_only" / "input" / "agent.py").read_text()  # a plain ResponsesAgent


def source_notebook(*cells: str) -> str:
    return "# Databricks notebook source\n" + "\n# COMMAND ----------\n\n".join(cells)


def magic(text: str) -> str:
    return "".join(f"# MAGIC {line}\n" if line else "# MAGIC\n" for line in text.splitlines())


def plan_of(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return plan_project(tmp_path, jobs=1)


def by_path(plan):
    return {f.path: f for f in plan.files}
