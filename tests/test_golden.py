"""Golden cases: tests/golden/<case>/input is a project, expected/ the tree `apply` makes of it,
plan.txt what `plan` prints (without diffs) and the exit codes.

Regenerate the expected side after a deliberate change of behaviour, then read its diff:

    MIGRATE_AGENT_REGEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from migrate_agent.api import apply_plan, plan_project
from migrate_agent.model import FileStatus
from migrate_agent.notebooks import is_notebook, read_notebook
from migrate_agent.output.report import render_text

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input").is_dir())
REGENERATE = os.environ.get("MIGRATE_AGENT_REGEN") == "1"


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    if root.exists():
        shutil.rmtree(root)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str, tmp_path: Path) -> None:
    source = GOLDEN / case / "input"
    project = tmp_path / "project"
    shutil.copytree(source, project)

    plan = plan_project(project, jobs=1)
    assert tree(project) == tree(source), "plan must not write"
    report = render_text(plan, show_diff=False) + f"plan exit code: {plan.exit_code()}\n"
    report += f"apply exit code: {apply_plan(plan)}\n"
    produced = tree(project)

    if REGENERATE:
        write_tree(GOLDEN / case / "expected", produced)
        (GOLDEN / case / "plan.txt").write_text(report)
    assert report == (GOLDEN / case / "plan.txt").read_text()
    assert produced == tree(GOLDEN / case / "expected")

    # Idempotent: a second run finds nothing to change, and changes nothing.
    again = plan_project(project, jobs=1)
    assert [f.path for f in again.changed_files] == []
    apply_plan(again)
    assert tree(project) == produced
    if not plan.manual_steps and not plan.failed_files:
        assert again.exit_code() == 0

    failed = {f.path for f in plan.files if f.status is FileStatus.FAILED}
    # Syntax newer than this interpreter's is flagged (MA006), kept as written, not parseable here.
    failed |= {s.path for s in plan.manual_steps if s.rule == "MA006" and sys.version_info < (3, 12)}
    for rel, data in produced.items():
        if rel.endswith(".py") and rel not in failed:
            if is_notebook(rel, data):  # a notebook's Python, its magic commands hidden
                data = read_notebook(rel, data).python_text.encode()
            ast.parse(data.lstrip(b"\xef\xbb\xbf"), filename=rel)
        if rel.endswith((".yaml", ".yml")):
            yaml.safe_load(data)
