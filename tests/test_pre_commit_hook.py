"""The pre-commit hook of .pre-commit-hooks.yaml: it fails while the migration has changes to make
or manual steps open, and passes once it is done.

Two ways: its documented entry and args run as the hook runs them (always), and the hook itself
through `pre-commit try-repo` (e2e: pre-commit builds a fresh environment and installs this
repository into it from the package registry; skipped when pre-commit is not installed)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
CASE = "predict_only"  # converts with no manual step left
CASE_WITH_STEPS = "model_config_without_file"  # MA005 and MA007 stay open after apply


def hook() -> dict:
    [found] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    return found


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=root, check=True, capture_output=True,
    )


def repository(tmp_path: Path, case: str) -> Path:
    root = tmp_path / case
    shutil.copytree(GOLDEN / case / "input", root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "agent on Model Serving")
    return root


def apply(root: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "migrate_agent", "apply", "."], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode in (0, 1), done.stderr
    git(root, "add", "-A")
    git(root, "commit", "-qm", "migrated")


def test_the_hook_is_plan_check_on_the_whole_project() -> None:
    found = hook()
    assert found["id"] == "migrate-agent"
    assert found["language"] == "python" and found["pass_filenames"] is False
    assert shlex.split(found["entry"])[:3] == ["migrate-agent", "plan", "--check"]


def run_entry(root: Path) -> subprocess.CompletedProcess:
    """The hook's entry and args as pre-commit runs them in the repository (no file names), with
    this interpreter's migrate-agent."""
    found = hook()
    command = shlex.split(found["entry"]) + list(found.get("args", []))
    assert command[0] == "migrate-agent"
    return subprocess.run(
        [sys.executable, "-m", "migrate_agent", *command[1:]], cwd=root, capture_output=True, text=True, check=False
    )


def test_the_entry_fails_until_the_migration_is_done(tmp_path: Path) -> None:
    root = repository(tmp_path, CASE)
    before = run_entry(root)
    assert before.returncode == 1, before.stdout + before.stderr
    assert "--- a/agent.py" not in before.stdout  # --check: the summary, no diff
    apply(root)
    after = run_entry(root)
    assert after.returncode == 0, after.stdout + after.stderr


def test_the_entry_fails_while_manual_steps_are_open(tmp_path: Path) -> None:
    root = repository(tmp_path, CASE_WITH_STEPS)
    apply(root)
    result = run_entry(root)
    assert result.returncode == 1
    assert "Manual steps" in result.stdout and "MA005" in result.stdout


@pytest.mark.e2e
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (test extra)")
    root = repository(tmp_path, CASE)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}

    def try_repo() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "migrate-agent", "--all-files"],
            cwd=root, capture_output=True, text=True, check=False, env=env, timeout=900,
        )

    before = try_repo()
    assert before.returncode == 1, before.stdout + before.stderr
    assert "migrate-agent plan --check" in before.stdout and "Failed" in before.stdout
    assert "agent.py: migrated" in before.stdout  # the plan's summary, as the hook printed it
    apply(root)
    after = try_repo()
    assert after.returncode == 0, after.stdout + after.stderr
    assert "Passed" in after.stdout
