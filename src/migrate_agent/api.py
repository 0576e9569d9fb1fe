"""Library API: `plan_project` reads a project and says what would change; `apply_plan` does it.

The CLI is a thin layer over these two. Nothing here imports mlflow or the user's code.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from migrate_agent import pipeline
from migrate_agent.discover.fileio import is_own_temp_file
from migrate_agent.model import Plan
from migrate_agent.output.writing import write_plan


class DirtyTreeError(RuntimeError):
    """`apply` on a git work tree with uncommitted changes, without --allow-dirty."""


class InputError(ValueError):
    """An option names something that is not there (e.g. --model-dir without an MLmodel)."""


def check_inputs(model_dir: Path | None) -> None:
    """Raise InputError when `model_dir` is given but holds no MLmodel file."""
    if model_dir is None:
        return
    model_dir = Path(model_dir)
    if not (model_dir.is_file() and model_dir.name == "MLmodel") and not (model_dir / "MLmodel").is_file():
        raise InputError(f"--model-dir {model_dir}: no MLmodel file there (download the logged model's folder)")


def plan_project(
    path: Path,
    *,
    jobs: int | None = None,
    model_dir: Path | None = None,
    endpoint: str | None = None,
    keep_callers: bool = False,
    progress=None,
    rules: frozenset[str] | None = None,
) -> Plan:
    """Everything `apply` would do to the project at `path`, computed without writing: the
    stages of :mod:`migrate_agent.pipeline`, in order.

    `progress` (a :class:`migrate_agent.output.progress.Progress`) is told of each file read and
    migrated. `rules`: the rule ids to apply (:func:`migrate_agent.rule_catalog.select_rules`);
    None applies every rule. A rule left out changes no code and reports no step.
    `keep_callers`: callers of the Model Serving endpoint are listed, not rewritten."""
    check_inputs(model_dir)
    options = pipeline.Options(
        jobs=jobs, model_dir=model_dir, endpoint=endpoint, keep_callers=keep_callers, progress=progress,
        rules=rules,
    )
    return pipeline.run(path, options)


def apply_plan(plan: Plan) -> int:
    """Write every changed file (see :func:`migrate_agent.output.writing.write_plan`); exit code 0
    done, 1 manual steps left, 2 failures (problems are added to `plan.errors`)."""
    if not write_plan(plan) or plan.failed_files:
        return 2
    return 1 if plan.manual_steps else 0


def ensure_clean_git_tree(root: Path) -> None:
    """Raise DirtyTreeError if `root` is in a git work tree with uncommitted changes."""
    try:
        inside = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"],
            cwd=root, capture_output=True, text=True, check=False,
        )
    except FileNotFoundError:  # no git on this machine: nothing to protect
        return
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "."],
        cwd=root, capture_output=True, text=True, check=True,
    )
    # Temp files a killed apply left are not the user's changes: apply removes them.
    changes = [line for line in status.stdout.splitlines()
               if line.strip() and not (line.startswith("?? ") and is_own_temp_file(line[3:].rsplit("/", 1)[-1]))]
    if changes:
        changed = len(changes)
        raise DirtyTreeError(
            f"{root} has {changed} uncommitted change(s); commit or stash them first, "
            "or pass --allow-dirty"
        )
