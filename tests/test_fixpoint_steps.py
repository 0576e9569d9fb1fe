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


def test_an_unknown_package_of_a_migrated_helper_module_is_reported_on_every_run(tmp_path: Path) -> None:
    """A helper module the migration changes (MA004 makes its user client per request) runs in
    the app, so its imports count for requirements.txt on the run that changes it; a second run
    finds it unchanged but using the runtime helpers, so a package no known distribution provides
    is the same step again, not a step only the first run gave."""
    project = tmp_path / "project"
    shutil.copytree(GOLDEN_DIR / "user_state_imported_by_name" / "input", project)
    helper = project / "workspace_tools.py"
    helper.write_text(helper.read_text().replace("from databricks.sdk import", "import acme_internal_sdk\nfrom databricks.sdk import", 1))
    first = plan_project(project, jobs=1)
    apply_plan(first)
    again = plan_project(project, jobs=1)
    unknown = [s for s in steps(first.manual_steps) if "`acme_internal_sdk`" in s[3]]
    assert [s[:2] for s in unknown] == [("MA001", "requirements.txt")]
    assert steps(again.manual_steps) == steps(first.manual_steps)


def test_a_package_only_the_deploying_driver_imports_is_not_an_app_requirement(tmp_path: Path) -> None:
    """A driver MA007 only marks runs where it ran before (a notebook, a job), not in the app:
    its imports are not the app's requirements on the run that marks it, as on the next one,
    which finds it unchanged. (They were added on the first run only, with a step for a package
    no known distribution provides, and `databricks-agents` pinned for the app.)"""
    project = tmp_path / "project"
    shutil.copytree(GOLDEN_DIR / "driver_log_model_and_deploy_marked" / "input", project)
    driver = project / "driver.py"
    driver.write_text("import acme_release_tools\n" + driver.read_text())
    first = plan_project(project, jobs=1)
    driver_result = next(f for f in first.files if f.path == "driver.py")
    assert b"TODO(migrate-agent)" in driver_result.after  # the driver is marked on this run
    apply_plan(first)
    requirements = (project / "requirements.txt").read_text().split()
    assert "databricks-agents" not in requirements
    assert not [s for s in first.manual_steps if "acme_release_tools" in s.message]
    again = plan_project(project, jobs=1)
    assert steps(again.manual_steps) == steps(first.manual_steps)
