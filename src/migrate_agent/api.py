"""Library API: `plan_project` reads a project and says what would change; `apply_plan` does it.

The CLI is a thin layer over these two. Nothing here imports mlflow or the user's code.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from migrate_agent.discovery import is_notebook, project_files, text_markers
from migrate_agent.engine import IDENTITY_RUNTIME_NAMES, FileOutcome, migrate_source
from migrate_agent.python_version import newer_syntax_in_helpers
from migrate_agent.model import FileResult, FileStatus, ManualStep, Plan
from migrate_agent.notebooks.project import NotebookFiles
from migrate_agent.scaffold import (
    SERVER_FILE,
    agent_module,
    app_command,
    scaffold_files,
    served_module,
)

# Agent code that may read Model Serving's context (load_context, ChatModel / PythonModel predict).
CONTEXT_MARKERS = (b"load_context", b"ChatModel", b"PythonModel")
# The migrated agent keeps its exported name through agent_server_utils.LazyAgent (MA001).
KEPT_NAME_IMPORT = re.compile(rb"from agent_server_utils import (?:\([^)]*|[^\n]*)\bLazyAgent\b")
# Worker processes repay their start only for enough work: ~100 KB of agent code is about a
# second of parsing and metadata (small projects run faster in one process, see bench/).
PARALLEL_MIN_BYTES = 100_000
# How often a worker checks that the main process still runs (and whether it must stop).
WATCH_SECONDS = 0.2


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
    progress=None,
) -> Plan:
    """Everything `apply` would do to the project at `path`, computed without writing.

    `progress` (a :class:`migrate_agent.progress.Progress`) is told of each file read and
    migrated."""
    check_inputs(model_dir)
    path = Path(path).resolve()
    root = path if path.is_dir() else path.parent
    plan = Plan(root=root)
    candidates: list[tuple[str, bytes]] = []
    sources: list[tuple[str, bytes]] = []  # every Python file, for uses of changed names
    deploy_sources: dict[str, str] = {}
    local_modules: set[str] = set()
    skipped = 0
    notebooks = NotebookFiles()  # notebooks: their code cells and %%writefile cells
    for rel, file in project_files(path):
        if rel.endswith(".py"):
            local_modules |= _module_roots(rel)
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as error:  # unreadable: one failed file, the others go on
            plan.files.append(
                FileResult(rel, FileStatus.FAILED, reason=f"cannot read: {error.strerror or error}")
            )
            continue
        if is_notebook(rel, data):
            notebooks.add(rel, data)
            continue
        sources.append((rel, data))
        candidate, deploys = text_markers(data)
        if deploys:
            deploy_sources[rel] = data.decode("utf-8", "replace")
        if candidate:
            candidates.append((rel, data))
        else:
            skipped += 1
        if progress is not None:
            progress.file_read(candidate)
    skipped += notebooks.skipped
    if skipped:
        plan.notes.append(f"{skipped} other Python file(s) hold no agent code (text prefilter)")
    # Files apply creates from notebook writer cells are project files from the start, as they
    # are on every later run: modules of the project, read by the class pre-pass, the
    # changed-names check and the helper syntax check, before anything reads names from them.
    written = notebooks.written_files(root)
    for rel, data in written.items():
        local_modules |= _module_roots(rel)
        sources.append((rel, data))

    # Cross-module facts first (which classes are ResponsesAgents through another module).
    class_facts: dict = {}
    if candidates or notebooks.candidates:
        from codemods.project_classes import project_class_facts

        class_facts = project_class_facts(sources)
    units = candidates + notebooks.candidates
    # What the drivers (notebooks too) logged for Model Serving's context, read before the rewrite.
    drivers = {**deploy_sources, **notebooks.deploy_sources}
    context_facts = _context_facts(root, units, _DeploySources(drivers, written))
    first_party = frozenset(local_modules)
    results = _migrate_all(units, jobs, class_facts, context_facts, first_party, progress)
    outcomes, created = notebooks.fold(root, results[: len(candidates)], results[len(candidates) :])
    agent = _choose_agent(outcomes, plan)
    if agent is None:
        # No app: driver code (files and notebooks alike) keeps deploying to Model Serving, so
        # its calls are not marked. Only the units MA007 marked are migrated again.
        results = [
            migrate_source(rel, data, class_facts.get(rel), context_facts, False, first_party)
            if any(step.rule == "MA007" for step in outcome.manual_steps)
            else outcome
            for (rel, data), outcome in zip(units, results)
        ]
        outcomes, created = notebooks.fold(root, results[: len(candidates)], results[len(candidates) :])
        outcomes = [o for o in outcomes if o.path not in created]  # written by notebooks for the app only
        _keep_user_clients_without_app(outcomes)
    changed = {o.path: o.changed_names for o in outcomes if o.status is FileStatus.MIGRATED and o.changed_names}
    if changed:
        from migrate_agent.importers import uses_of_changed_names

        plan.manual_steps.extend(uses_of_changed_names(changed, sources, "MA004"))
    for outcome in outcomes:
        plan.files.append(
            FileResult(
                outcome.path,
                FileStatus.CREATED if outcome.path in created else outcome.status,
                reason=outcome.reason,
                line=outcome.line,
                before=None if outcome.path in created else outcome.before,
                after=outcome.after if outcome.status is FileStatus.MIGRATED else None,
                edits=outcome.edits,
            )
        )
        plan.manual_steps.extend(outcome.manual_steps)

    # Deployment facts are read from the code as it will be written, so their lines match it
    # (notebooks: their Python as it reads after the migration, magics hidden).
    for outcome in outcomes:
        if outcome.path in deploy_sources and outcome.status is FileStatus.MIGRATED:
            deploy_sources[outcome.path] = outcome.after.decode("utf-8", "replace")
    deploy_sources.update(notebooks.deploy_sources)
    if agent is not None:
        plan.manual_steps.extend(
            newer_syntax_in_helpers(agent, outcomes, sources, local_modules)
        )
        if progress is not None:
            progress.stage("planning the app and its deployment")
        _add_app_files(
            plan, root, agent, outcomes, local_modules,
            _DeploySources(deploy_sources, {path: content for path, (_, content) in created.items()}),
            model_dir, endpoint,
        )
    plan.manual_steps.sort(key=lambda s: (s.path or "", s.line or 0, s.rule))
    _set_aside_acknowledged(plan)
    return plan


def _set_aside_acknowledged(plan: Plan) -> None:
    """Steps the user acknowledged leave the manual steps (and so the exit code)."""
    from migrate_agent.acknowledgements import is_acknowledged, read_acknowledgements

    acknowledged = read_acknowledgements(plan.root)
    open_steps = []
    for step in plan.manual_steps:
        (plan.acknowledged if is_acknowledged(step, acknowledged) else open_steps).append(step)
    plan.manual_steps = open_steps


def apply_plan(plan: Plan) -> int:
    """Write every changed file (see :func:`migrate_agent.writing.write_plan`); exit code 0
    done, 1 manual steps left, 2 failures (problems are added to `plan.errors`)."""
    from migrate_agent.writing import write_plan

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
    if status.stdout.strip():
        changed = len(status.stdout.strip().splitlines())
        raise DirtyTreeError(
            f"{root} has {changed} uncommitted change(s); commit or stash them first, "
            "or pass --allow-dirty"
        )


# -- internals ----------------------------------------------------------------------------------


def _module_roots(rel: str) -> set[str]:
    """The names a project .py file is imported by at the top: its top-level folder, or itself
    (`pkg/agent.py`: `pkg` and `agent`)."""
    return {rel.split("/", 1)[0].removesuffix(".py"), rel.rsplit("/", 1)[-1][:-3]}


class _DeploySources(Mapping[str, str]):
    """The text the deploy readers get: iterating gives the driver files they read (those with
    deployment code); looking a path up also finds a Python file apply creates from a notebook
    writer cell (`created`: path -> content), which is not on disk yet. A driver's
    `from agent import LLM_ENDPOINT_NAME` then resolves on the first apply as on the next one,
    where the readers find that file on disk (a created file with deployment code is a driver)."""

    def __init__(self, drivers: dict[str, str], created: dict[str, bytes]) -> None:
        self._drivers = dict(drivers)
        self._created: dict[str, str] = {}
        for path, content in created.items():
            if not path.endswith(".py") or path in self._drivers:
                continue
            text = content.decode("utf-8", "replace")
            if text_markers(content)[1]:
                self._drivers[path] = text
            else:
                self._created[path] = text

    def __getitem__(self, path: str) -> str:
        if path in self._drivers:
            return self._drivers[path]
        return self._created[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._drivers)

    def __len__(self) -> int:
        return len(self._drivers)


def _context_facts(root: Path, candidates: list[tuple[str, bytes]], deploy_sources: Mapping[str, str]):
    """What the driver logged for Model Serving's context, when an agent may read it."""
    if not any(marker in data for _, data in candidates for marker in CONTEXT_MARKERS):
        return None  # no agent can read a context: the deploy readers are not even imported
    from migrate_agent.deploy.model_context_facts import read_model_context

    return read_model_context(root, deploy_sources)


def _migrate_all(
    candidates: list[tuple[str, bytes]],
    jobs: int | None,
    class_facts: dict,
    context_facts,
    first_party: frozenset[str],
    progress,
) -> list[FileOutcome]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    size = sum(len(data) for _, data in candidates)
    if workers <= 1 or len(candidates) < 2 or (jobs is None and size < PARALLEL_MIN_BYTES):
        results = (
            migrate_source(rel, data, class_facts.get(rel), context_facts, True, first_party)
            for rel, data in candidates
        )
        return [_counted(outcome, progress) for outcome in results]
    from concurrent.futures import ProcessPoolExecutor

    from migrate_agent.engine import preload

    preload()  # fork: workers inherit libcst and the rules (spawn, forkserver: each imports them)
    chunk = max(1, len(candidates) // (workers * 4))
    context = multiprocessing.get_context()  # fork, forkserver or spawn: whatever the caller set
    stop = context.Event()
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(candidates)),
        mp_context=context,
        initializer=_exit_with_parent,
        initargs=(os.getpid(), stop),
    )
    try:
        results = pool.map(
            migrate_source,
            [rel for rel, _ in candidates],
            [data for _, data in candidates],
            [class_facts.get(rel) for rel, _ in candidates],
            [context_facts] * len(candidates),
            [True] * len(candidates),
            [first_party] * len(candidates),
            chunksize=chunk,
        )
        return [_counted(outcome, progress) for outcome in results]
    except BaseException:  # Ctrl-C, SIGTERM, a broken worker: stop the workers now, not later
        _stop_workers(stop)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _counted(outcome: FileOutcome, progress) -> FileOutcome:
    if progress is not None:
        progress.file_migrated()
    return outcome


def _stop_workers(stop) -> None:
    """Tell every worker to exit now, in the middle of its task (they watch `stop`)."""
    stop.set()


def _exit_with_parent(main: int, stop) -> None:
    """In a worker: exit as soon as `stop` is set or the main process is gone (even after SIGKILL).

    A worker's parent is the main process under fork and spawn, but the fork server under
    forkserver (a child of the main process that exits with it): so the worker remembers the
    parent it started with and exits once it has another (the parent died and it was reparented),
    and it also checks the main process's pid itself."""
    parent = os.getppid()

    def watch() -> None:
        while not stop.wait(WATCH_SECONDS):
            if os.getppid() != parent or not _alive(main):
                break
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: checks only that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: the main process is gone and its pid reused
    return True


def _choose_agent(outcomes: list[FileOutcome], plan: Plan) -> FileOutcome | None:
    """The agent the app serves; the same one on every run, so `apply` is a fixpoint.

    One app serves one agent (the agent server registers one invoke handler per process). In
    order: the agent our start_server.py already serves; else one an earlier apply converted
    (its start_server.py went missing: it is created again); else the first agent converted
    now, in path order. Every other agent converted now is left as it was and reported.
    """
    converted = [o for o in outcomes if o.converted_agent and o.status is FileStatus.MIGRATED]
    served = [o for o in outcomes if o.status is not FileStatus.FAILED and _served_by_our_server(plan.root, o)]
    earlier = [o for o in outcomes if o.migrated_before]
    chosen = (served or earlier or converted or [None])[0]
    for extra in converted:
        if extra is chosen:
            continue
        extra.status = FileStatus.SKIPPED
        extra.reason = f"one app serves one agent; {chosen.path} is this app's agent"
        extra.edits = []
        extra.manual_steps = [
            ManualStep(
                "MA001",
                f"`{extra.converted_agent}` is a second agent in this project: migrate it as "
                "an app of its own (run migrate-agent on its directory)",
                extra.path,
            )
        ]
    return chosen


def _served_by_our_server(root: Path, outcome: FileOutcome) -> bool:
    server = root / PurePosixPath(outcome.path).parent / SERVER_FILE
    return server.is_file() and served_module(server.read_bytes()) == agent_module(root, outcome.path)


def _keep_user_clients_without_app(outcomes: list[FileOutcome]) -> None:
    """No agent is converted, so no agent_server_utils is generated: a helper module must not be
    rewritten to import from it. Such a module stays as it is, and says why."""
    for outcome in outcomes:
        if outcome.status is not FileStatus.MIGRATED or not outcome.uses_user_identity:
            continue
        if any(name in outcome.before for name in IDENTITY_RUNTIME_NAMES):
            continue  # migrated by an earlier run
        outcome.status = FileStatus.SKIPPED
        outcome.reason = "no agent of this project is converted, so no app is generated"
        outcome.after = outcome.before
        outcome.edits = []
        outcome.manual_steps = [
            ManualStep(
                "MA004",
                "its on-behalf-of-user clients are left as they are: they become per-request "
                "clients (get_user_workspace_client() in the generated agent_server_utils) once "
                "the project's agent is converted; run migrate-agent again then",
                outcome.path,
            )
        ]


def _add_app_files(
    plan: Plan,
    root: Path,
    agent: FileOutcome,
    outcomes: list[FileOutcome],
    local_modules: set[str],
    deploy_sources: Mapping[str, str],
    model_dir: Path | None,
    endpoint: str | None,
) -> None:
    imported = set(agent.imported_modules)
    for outcome in outcomes:  # helper modules the migration changed run in the app as well
        if outcome.status is FileStatus.MIGRATED:
            imported |= set(outcome.imported_modules)
    uses_user_identity = any(o.uses_user_identity for o in outcomes)

    from migrate_agent.deploy import AppSpec, plan_deployment
    from migrate_agent.requirements import logged_model_requirements

    spec = AppSpec(
        command=app_command(agent.path),
        agent_module=agent_module(root, agent.path),
        agent_path=agent.path,
        code=_code_facts(root, outcomes, uses_user_identity),
    )
    deployment = plan_deployment(root, deploy_sources, spec, model_dir=model_dir, endpoint=endpoint)
    pinned = (logged_model_requirements(model_dir), "\n".join(deployment.pip_requirements))
    files, steps = scaffold_files(
        root, agent.path, sorted(imported), local_modules, agent.before, uses_user_identity, pinned,
        keeps_agent_name=bool(KEPT_NAME_IMPORT.search(agent.after or agent.before)),
        uses_legacy_adapters=agent.uses_legacy_adapters,
    )
    plan.files.extend(files)
    plan.manual_steps.extend(steps)
    plan.files.extend(f for f in deployment.files if f.changed)
    plan.manual_steps.extend(deployment.manual_steps)
    plan.deploy_markdown = deployment.diff_markdown
    plan.deploy_json = deployment.diff_json
    plan.errors.extend(deployment.errors)


def _code_facts(root: Path, outcomes: list[FileOutcome], uses_user_identity: bool):
    """What the deployment side needs from the code: user-client calls, Model Serving calls left."""
    from migrate_agent.deploy.code_facts import CodeFacts, ModelServingCall
    from migrate_agent.user_client_flow import project_user_client_calls

    return CodeFacts(
        uses_user_identity=uses_user_identity,
        user_client_calls=project_user_client_calls(root, outcomes),
        model_serving_calls=tuple(
            ModelServingCall(step.path or o.path, step.line, step.message)
            for o in outcomes for step in o.manual_steps if step.rule == "MA007"
        ),
    )
