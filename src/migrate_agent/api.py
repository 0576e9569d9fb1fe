"""Library API: `plan_project` reads a project and says what would change; `apply_plan` does it.

The CLI is a thin layer over these two. Nothing here imports mlflow or the user's code.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

from migrate_agent.discovery import may_hold_agent, python_files
from migrate_agent.engine import FileOutcome, migrate_source
from migrate_agent.fileio import write_atomic
from migrate_agent.model import FileResult, FileStatus, ManualStep, Plan
from migrate_agent.scaffold import (
    SERVER_FILE,
    app_command,
    scaffold_files,
    served_module,
)

# Driver code that may describe the Model Serving deployment (read by migrate_agent.deploy).
DEPLOY_MARKERS = (b"log_model", b"agents.deploy", b"register_model", b"AuthPolicy", b"deploy(")
# Worker processes repay their start only for enough work: ~100 KB of agent code is about a
# second of parsing and metadata (small projects run faster in one process, see bench/).
PARALLEL_MIN_BYTES = 100_000


class DirtyTreeError(RuntimeError):
    """`apply` on a git work tree with uncommitted changes, without --allow-dirty."""


def plan_project(
    path: Path,
    *,
    jobs: int | None = None,
    model_dir: Path | None = None,
    endpoint: str | None = None,
    progress=None,
) -> Plan:
    """Everything `apply` would do to the project at `path`, computed without writing.

    `progress` (a :class:`migrate_agent.progress.Progress`) is told of each file read and
    migrated."""
    path = Path(path).resolve()
    root = path if path.is_dir() else path.parent
    plan = Plan(root=root)
    candidates: list[tuple[str, bytes]] = []
    deploy_sources: dict[str, str] = {}
    local_modules: set[str] = set()
    skipped = 0
    for file in python_files(path):
        rel = file.relative_to(root).as_posix()
        local_modules.add(PurePosixPath(rel).parts[0].removesuffix(".py"))
        local_modules.add(file.stem)
        data = file.read_bytes()
        if any(marker in data for marker in DEPLOY_MARKERS):
            deploy_sources[rel] = data.decode("utf-8", "replace")
        candidate = may_hold_agent(data)
        if candidate:
            candidates.append((rel, data))
        else:
            skipped += 1
        if progress is not None:
            progress.file_read(candidate)
    if skipped:
        plan.notes.append(f"{skipped} other Python file(s) hold no agent code (text prefilter)")

    outcomes = _migrate_all(candidates, jobs, frozenset(local_modules), progress)
    agent = _choose_agent(outcomes, plan)
    for outcome in outcomes:
        plan.files.append(
            FileResult(
                outcome.path,
                outcome.status,
                reason=outcome.reason,
                line=outcome.line,
                before=outcome.before,
                after=outcome.after if outcome.status is FileStatus.MIGRATED else None,
                edits=outcome.edits,
            )
        )
        plan.manual_steps.extend(outcome.manual_steps)

    if agent is not None:
        if progress is not None:
            progress.stage("planning the app and its deployment")
        _add_app_files(
            plan, root, agent, outcomes, local_modules, deploy_sources, model_dir, endpoint
        )
    plan.manual_steps.sort(key=lambda s: (s.path or "", s.line or 0, s.rule))
    return plan


def apply_plan(plan: Plan) -> int:
    """Write every changed file atomically; exit code 0 done, 1 manual steps left, 2 failures."""
    for result in plan.changed_files:
        write_atomic(plan.root / result.path, result.after)
    if plan.failed_files:
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
    if status.stdout.strip():
        changed = len(status.stdout.strip().splitlines())
        raise DirtyTreeError(
            f"{root} has {changed} uncommitted change(s); commit or stash them first, "
            "or pass --allow-dirty"
        )


# -- internals ----------------------------------------------------------------------------------


def _migrate_all(
    candidates: list[tuple[str, bytes]], jobs: int | None, first_party: frozenset[str], progress
) -> list[FileOutcome]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    size = sum(len(data) for _, data in candidates)
    if workers <= 1 or len(candidates) < 2 or (jobs is None and size < PARALLEL_MIN_BYTES):
        results = (migrate_source(rel, data, first_party) for rel, data in candidates)
        return [_counted(outcome, progress) for outcome in results]
    from concurrent.futures import ProcessPoolExecutor

    from migrate_agent.engine import preload

    preload()  # forked workers inherit libcst and the rules instead of importing them each
    chunk = max(1, len(candidates) // (workers * 4))
    with ProcessPoolExecutor(max_workers=min(workers, len(candidates))) as pool:
        results = pool.map(
            migrate_source,
            [rel for rel, _ in candidates],
            [data for _, data in candidates],
            [first_party] * len(candidates),
            chunksize=chunk,
        )
        return [_counted(outcome, progress) for outcome in results]


def _counted(outcome: FileOutcome, progress) -> FileOutcome:
    if progress is not None:
        progress.file_migrated()
    return outcome


def _choose_agent(outcomes: list[FileOutcome], plan: Plan) -> FileOutcome | None:
    """The agent the app will serve: the one converted now, or one migrated before.

    One app serves one agent (the agent server registers one invoke handler per process), so
    further agents are left unconverted and reported.
    """
    converted = [o for o in outcomes if o.converted_agent and o.status is FileStatus.MIGRATED]
    for extra in converted[1:]:
        extra.status = FileStatus.SKIPPED
        extra.reason = f"one app serves one agent; {converted[0].path} is this app's agent"
        extra.edits = []
        extra.manual_steps = [
            ManualStep(
                "MA001",
                f"`{extra.converted_agent}` is a second agent in this project: migrate it as "
                "an app of its own (run migrate-agent on its directory)",
                extra.path,
            )
        ]
    if converted:
        return converted[0]
    for outcome in outcomes:  # already migrated: our start_server.py says which module it serves
        directory = PurePosixPath(outcome.path).parent
        server = plan.root / directory / SERVER_FILE
        if server.exists() and served_module(server.read_bytes()) == PurePosixPath(outcome.path).stem:
            return outcome
    return None


def _add_app_files(
    plan: Plan,
    root: Path,
    agent: FileOutcome,
    outcomes: list[FileOutcome],
    local_modules: set[str],
    deploy_sources: dict[str, str],
    model_dir: Path | None,
    endpoint: str | None,
) -> None:
    imported = set(agent.imported_roots)
    for outcome in outcomes:  # helper modules the migration changed run in the app as well
        if outcome.status is FileStatus.MIGRATED:
            imported |= set(outcome.imported_roots)
    uses_user_identity = any(o.uses_user_identity for o in outcomes)
    files, steps = scaffold_files(
        root, agent.path, sorted(imported), local_modules, agent.before, uses_user_identity
    )
    plan.files.extend(files)
    plan.manual_steps.extend(steps)

    from migrate_agent.deploy import AppSpec, plan_deployment

    spec = AppSpec(
        command=app_command(agent.path),
        agent_module=PurePosixPath(agent.path).stem,
        agent_path=agent.path,
    )
    deployment = plan_deployment(root, deploy_sources, spec, model_dir=model_dir, endpoint=endpoint)
    plan.files.extend(f for f in deployment.files if f.changed)
    plan.manual_steps.extend(deployment.manual_steps)
    plan.deploy_markdown = deployment.diff_markdown
    plan.deploy_json = deployment.diff_json
