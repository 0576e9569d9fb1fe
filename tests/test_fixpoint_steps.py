"""Issue 15 item 3 (apply is a fixpoint) and item 2 (`plan --check` tells the truth), over every
golden case: whatever manual steps `apply` reports, a `plan` of the applied tree reports the same
ones, no more and no fewer. A step that only appears on the first run (a fact derived from "this
run changed the file") would let `--check` reach 0 while the thing is still to do; one that only
appears on the second would be news `apply` kept back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migrate_agent.api import apply_plan, plan_project
from migrate_agent.model import ManualStep
from tests.support.golden import GOLDEN_DIR, is_deploy_case

CASES = sorted(
    p.name for p in GOLDEN_DIR.iterdir() if (p / "input").is_dir() and not is_deploy_case(p.name)
)


def steps(manual: list[ManualStep]) -> list[tuple]:
    """The steps still to do, as (rule, path, line, message), sorted."""
    return sorted(
        (s.rule, s.path or "", s.line or 0, s.message) for s in manual if not s.acknowledged
    )


@pytest.mark.parametrize("case", CASES)
def test_plan_after_apply_reports_what_apply_reported(case: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(GOLDEN_DIR / case / "input", project)
    first = plan_project(project, jobs=1)
    apply_plan(first)
    again = plan_project(project, jobs=1)
    assert steps(again.manual_steps) == steps(first.manual_steps)
