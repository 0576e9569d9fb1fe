"""A migration's stages, in the order they run over one project index.

Each stage takes the :class:`ProjectIndex` and enriches it; :data:`STAGES` is the whole order.
`plan` runs them all and changes nothing on disk; `apply` then writes the plan
(:mod:`migrate_agent.output.writing`), and the CLI reports it (:mod:`migrate_agent.output.report`).

    discover          read every project file once; text prefilter; notebooks split into units
    created files     files apply creates from notebook writer cells join the index
    project pre-pass  classes across modules (codemods), what the drivers logged for the context
    migrate           each candidate unit through the codemods, once (worker processes)
    notebooks         notebook units folded back into their notebooks and the files they write
    choose the app    which agent the app serves; without one, driver code stays unmarked
    runtime imports   helpers in other folders import the runtime from the agent's package
    project checks    uses of changed names in other modules; helper modules' Python version
    deploy read       the Model Serving deployment: live endpoint, MLmodel, driver code
    endpoint callers  code that calls the endpoint by name: rewritten to call the app, or listed
    app files         start_server.py, requirements.txt, the runtime helpers
    deploy map        each Model Serving item beside its Databricks Apps equivalent
    deploy write      app.yaml, databricks.yml, MIGRATION.md (the deploy diff)
    check links       files to write that are symbolic links: written through, or refused
    markers left      TODO markers still in the files that no step stands for become steps
    selected rules    steps of rules not selected (--select / --ignore) left out
    acknowledge       steps the user acknowledged set aside

Nothing here imports mlflow or the user's code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from codemods.analysis.package_layout import ProjectFiles
from codemods.analysis.project_classes import project_class_facts
from migrate_agent.app.requirements import logged_model_requirements
from migrate_agent.app.scaffold import (
    GENERATED_MARK,
    SERVER_FILE,
    agent_module,
    app_command,
    scaffold_files,
    served_module,
)
from migrate_agent.callers import find_endpoint_callers, line_map, project_text_files
from migrate_agent.deploy import AppSpec, deployment_plan
from migrate_agent.deploy.planner import DeploymentReading, planned_app_name, read_deployment
from migrate_agent.deploy.read.code_facts import CodeFacts, ModelServingCall
from migrate_agent.deploy.read.model_context_facts import read_model_context
from migrate_agent.deploy.read.project_yaml import read_project_yaml
from migrate_agent.deploy.write.app_yaml_file import APP_YAML_FILES
from migrate_agent.deploy.write.bundle_file import BUNDLE_FILES
from migrate_agent.discover.discovery import is_notebook, project_files, symlink_verdicts, text_markers
from migrate_agent.discover.fileio import why_unwritable
from migrate_agent.migrate.changed_names import uses_of_changed_names
from migrate_agent.migrate.engine import IDENTITY_RUNTIME_NAMES, FileOutcome
from migrate_agent.migrate.lazy_agent_uses import isinstance_checks_of_kept_names
from migrate_agent.migrate.python_version import newer_syntax_in_helpers
from migrate_agent.migrate.user_client_flow import project_user_client_calls
from migrate_agent.migrate.workers import migrate_all
from migrate_agent.model import FileResult, FileStatus, ManualStep, Plan
from migrate_agent.notebooks.notebook import read_notebook
from migrate_agent.notebooks.project import NotebookFiles
from migrate_agent.output.acknowledgements import MARKER_BYTES, is_acknowledged, open_markers, read_acknowledgements
from migrate_agent.rule_catalog import conversion_notes

# Agent code that may read Model Serving's context (load_context, ChatModel / PythonModel predict).
CONTEXT_MARKERS = (b"load_context", b"ChatModel", b"PythonModel")
APP_RESOURCE = "DatabricksApp"  # log_model(resources=[DatabricksApp(...)]): read with the context
# An import of a generated runtime module, in any of the forms package_layout gives it.
GENERATED_IMPORT = re.compile(
    rb"^from (?:\.|[\w.]+\.)?(?:agent_server_utils|legacy_agent_adapters) import", re.MULTILINE
)
# The migrated agent keeps its exported name through agent_server_utils.LazyAgent (MA001).
KEPT_NAME_IMPORT = re.compile(
    rb"from (?:\.|[\w.]+\.)?agent_server_utils import (?:\([^)]*|[^\n]*)\bLazyAgent\b"
)
# Why a file whose agent is left as it was is not reported as migrated (its changes: TODO markers).
NOT_CONVERTED = "its agent is not converted; only TODO markers are added (see the manual steps)"


@dataclass(frozen=True, kw_only=True)
class Options:
    """What the caller asked for: workers, where the deployment is read from, progress, rules."""

    jobs: int | None = None
    model_dir: Path | None = None
    endpoint: str | None = None
    keep_callers: bool = False  # callers of the endpoint are listed, not rewritten
    progress: object = None  # migrate_agent.output.progress.Progress, told of each file and stage
    rules: frozenset[str] | None = None  # rule ids to apply (rule_catalog.select_rules); None: all


@dataclass(kw_only=True)
class ProjectIndex:
    """The project as the stages know it; each stage fills in what it learns."""

    scope: Path  # what the user named: the project's directory, or one agent file in it
    root: Path  # the project's directory
    options: Options
    plan: Plan
    # discover
    sources: list[tuple[str, bytes]] = field(default_factory=list)  # every Python file
    candidates: list[tuple[str, bytes]] = field(default_factory=list)  # may hold agent code
    drivers: dict[str, str] = field(default_factory=dict)  # may hold deployment code: path -> text
    local_modules: set[str] = field(default_factory=set)  # top-level names of the project's modules
    notebooks: NotebookFiles = field(default_factory=NotebookFiles)
    marked: dict[str, bytes] = field(default_factory=dict)  # files holding a TODO or ACK marker: path -> bytes
    # created files: path -> content of the Python files notebook writer cells create
    written: dict[str, bytes] = field(default_factory=dict)
    # project pre-pass
    project: ProjectFiles = ProjectFiles()  # the Python files, for each file's package layout
    class_facts: dict = field(default_factory=dict)
    context_facts: object = None
    # migrate: one outcome per unit (candidate files, then notebook units)
    units: list[tuple[str, bytes]] = field(default_factory=list)
    results: list[FileOutcome] = field(default_factory=list)
    # notebooks: one outcome per project file; files apply creates (path -> (notebook, content))
    outcomes: list[FileOutcome] = field(default_factory=list)
    created: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    # choose the app
    agent: FileOutcome | None = None
    # deploy read
    deployment: DeploymentReading | None = None
    code: CodeFacts = CodeFacts()

    @property
    def first_party(self) -> frozenset[str]:
        return frozenset(self.local_modules)


def discover(index: ProjectIndex) -> None:
    """Every project file read once; the text prefilter says which may hold agent or driver code."""
    plan, progress = index.plan, index.options.progress
    skipped = 0
    files = list(project_files(index.scope, temp_files=plan.stale_temp_files))
    links = symlink_verdicts(index.root, files)
    for rel, file in files:
        if rel.endswith(".py"):
            index.local_modules |= module_roots(rel)
        if rel in links:  # one file is migrated once, and never outside the project
            plan.files.append(FileResult(rel, FileStatus.SKIPPED, reason=links[rel]))
            continue
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as error:  # unreadable: one failed file, the others go on
            plan.files.append(FileResult(rel, FileStatus.FAILED, reason=f"cannot read: {error.strerror or error}"))
            continue
        if MARKER_BYTES in data:
            index.marked[rel] = data
        if is_notebook(rel, data):
            index.notebooks.add(rel, data)
            continue
        index.sources.append((rel, data))
        candidate, deploys = text_markers(data)
        if deploys:
            index.drivers[rel] = data.decode("utf-8", "replace")
        if candidate:
            index.candidates.append((rel, data))
        else:
            skipped += 1
        if progress is not None:
            progress.file_read(candidate)
    skipped += index.notebooks.skipped
    if skipped:
        plan.notes.append(f"{skipped} other Python file(s) hold no agent code (text prefilter)")
    if plan.stale_temp_files:
        plan.notes.append(f"{len(plan.stale_temp_files)} temp file(s) an interrupted apply left: "
                          f"{', '.join(plan.stale_temp_files)} (apply removes them)")


def index_created_files(index: ProjectIndex) -> None:
    """Files apply creates from notebook writer cells are project files from the start, as they
    are on every later run: modules of the project, read by the class pre-pass, the
    changed-names check and the helper syntax check, before anything reads names from them."""
    index.written = index.notebooks.written_files(index.root)
    for rel, data in index.written.items():
        index.local_modules |= module_roots(rel)
        index.sources.append((rel, data))


def project_prepass(index: ProjectIndex) -> None:
    """Cross-module facts before any file is rewritten: which classes are agents through another
    module, and what the drivers (notebooks too) logged for Model Serving's context."""
    index.units = index.candidates + index.notebooks.candidates
    index.project = ProjectFiles.of(rel for rel, _ in index.sources)
    if index.units:
        # A notebook's own code imports and exports classes as a module does (its magics hidden).
        own_code = [(nb.path, unit.data) for nb, unit in index.notebooks.owners if unit.kind == "notebook"]
        index.class_facts = project_class_facts(index.sources + own_code)
    drivers_text = {**index.drivers, **index.notebooks.deploy_sources}
    if any(marker in data for _, data in index.units for marker in CONTEXT_MARKERS) or any(
        APP_RESOURCE in text for text in drivers_text.values()  # a model that forwards to an App
    ):
        drivers, texts = deploy_texts(drivers_text, index.written)
        index.context_facts = read_model_context(index.root, drivers, texts)


def migrate(index: ProjectIndex) -> None:
    """Each candidate unit through the codemods, parsed once."""
    progress = index.options.progress
    index.results = _migrated(
        index, index.units, app_expected=True,
        on_done=progress.file_migrated if progress is not None else None,
    )


def fold_notebooks(index: ProjectIndex) -> None:
    """Notebook units back into their notebooks; the files their writer cells create."""
    files = len(index.candidates)
    index.outcomes, index.created = index.notebooks.fold(
        index.root, index.results[:files], index.results[files:]
    )


def choose_app(index: ProjectIndex) -> None:
    """The agent the app serves (see :func:`chosen_agent`). Without one, no app is generated:
    driver code (files and notebooks alike) keeps deploying to Model Serving, so the units MA007
    marked are migrated again without the marks, and helpers keep their user clients."""
    index.agent, second_agents = chosen_agent(index.outcomes, index.root)
    _replace_outcomes(index, second_agents)
    if index.agent is not None:
        return
    marked = [i for i, outcome in enumerate(index.results) if any(s.rule == "MA007" for s in outcome.manual_steps)]
    if marked:
        again = _migrated(index, [index.units[i] for i in marked], app_expected=False)
        for i, outcome in zip(marked, again):
            index.results[i] = outcome
        fold_notebooks(index)
    index.outcomes = [o for o in index.outcomes if o.path not in index.created]  # for the app only
    _replace_outcomes(index, _user_clients_kept_without_app(index.outcomes))


def generated_imports_from_agent(index: ProjectIndex) -> None:
    """The runtime modules are written beside the app's agent. A migrated helper module in
    another folder (its user clients now come from `agent_server_utils`) imported them as its
    own siblings: it is migrated again importing them from the agent's package."""
    agent = index.agent
    if agent is None:
        return
    home = _folder(agent.path)
    elsewhere = [
        i for i, outcome in enumerate(index.results[: len(index.candidates)])
        if outcome is not agent and outcome.status is FileStatus.MIGRATED
        and _folder(outcome.path) != home
        and GENERATED_IMPORT.search(outcome.after)
    ]
    if not elsewhere:
        return
    index.project = replace(index.project, runtime_dir=home, runtime_package=agent.package)
    again = _migrated(index, [index.units[i] for i in elsewhere], app_expected=True)
    by_path = {outcome.path: outcome for outcome in again}
    index.outcomes = [by_path.get(o.path, o) for o in index.outcomes]
    for i, outcome in zip(elsewhere, again):
        index.results[i] = outcome


def project_checks(index: ProjectIndex) -> None:
    """The outcomes enter the plan, with what they mean for the rest of the project: uses of a
    name whose meaning changed, helper modules the app imports that Python 3.11 rejects."""
    plan = index.plan
    # Names as the files are written (whether this run or an earlier one changed them), their
    # uses at their lines in the files as written.
    changed = {o.path: o.changed_names for o in index.outcomes if o.changed_names}
    if changed:
        written = {o.path: o.after for o in index.outcomes if o.after is not None}
        sources = [(rel, written.get(rel, data)) for rel, data in index.sources]
        plan.manual_steps.extend(uses_of_changed_names(changed, sources, "MA004"))
    for outcome in index.outcomes:
        created = outcome.path in index.created
        status, reason = outcome.status, outcome.reason
        if status is FileStatus.MIGRATED and outcome.agent_not_converted and not created:
            status, reason = FileStatus.SKIPPED, NOT_CONVERTED  # never called migrated
        plan.files.append(
            FileResult(
                outcome.path,
                FileStatus.CREATED if created else status,
                reason=reason,
                line=outcome.line,
                before=None if created else outcome.before,
                after=outcome.after if outcome.status is FileStatus.MIGRATED else None,
                edits=list(outcome.edits),
            )
        )
        plan.manual_steps.extend(outcome.manual_steps)
    if index.agent is not None:
        plan.manual_steps.extend(
            newer_syntax_in_helpers(index.agent, index.outcomes, index.sources, index.local_modules)
        )
        agent = index.agent
        plan.manual_steps.extend(
            isinstance_checks_of_kept_names(agent.path, agent.after or agent.before, index.sources)
        )


def deploy_read(index: ProjectIndex) -> None:
    """The Model Serving deployment, read from the code as it will be written, so that lines
    match it (notebooks: their Python as it reads after the migration, magics hidden)."""
    if index.agent is None:
        return
    if index.options.progress is not None:
        index.options.progress.stage("planning the app and its deployment")
    drivers = dict(index.drivers)
    for outcome in index.outcomes:
        if outcome.path in drivers and outcome.status is FileStatus.MIGRATED:
            drivers[outcome.path] = outcome.after.decode("utf-8", "replace")
    drivers.update(index.notebooks.deploy_sources)
    created = {path: content for path, (_, content) in index.created.items()}
    drivers, texts = deploy_texts(drivers, created)
    index.deployment = read_deployment(
        index.root, drivers, texts=texts,
        model_dir=index.options.model_dir, endpoint=index.options.endpoint,
        live=index.deployment.live if index.deployment is not None else None,
    )
    index.code = _code_facts(index.root, index.outcomes)


def endpoint_callers(index: ProjectIndex) -> None:
    """Code that calls the Model Serving endpoint by name (Python, notebooks, SQL, job and config
    files): rewritten to call the app where that is safe (MA009), listed with file:line either
    way; the deploy diff says what still points at the endpoint."""
    if index.agent is None or index.deployment is None:
        return
    endpoint = _endpoint_name(index)
    if endpoint is None:
        return
    plan, root = index.plan, index.root
    app = planned_app_name(root, index.deployment)
    results = {r.path: r for r in plan.files}
    read = dict(index.sources)  # Python files discovery read (notebooks and other files: read now)

    def current() -> Iterator[tuple[str, bytes]]:
        for rel in project_text_files(root):
            result = results.get(rel)
            if result is not None and result.after is not None:
                yield rel, result.after
            elif rel in read:
                yield rel, read[rel]
            elif (root / rel).is_file():
                yield rel, (root / rel).read_bytes()

    found = find_endpoint_callers(
        current(), endpoint, app,
        # --keep-callers, or MA009 left out by --select / --ignore: listed, not rewritten
        keep=index.options.keep_callers or (index.options.rules is not None and "MA009" not in index.options.rules),
        own_files=frozenset((*APP_YAML_FILES, *BUNDLE_FILES)),
    )
    outcomes = {o.path: o for o in index.outcomes}
    for path, new in found.changed.items():
        result = results.get(path)
        edits = found.edits.get(path, [])
        if result is None:  # a file no earlier stage changed
            before = read[path] if path in read else (root / path).read_bytes()
            moved = line_map(before, new)
            plan.files.append(FileResult(path, FileStatus.MIGRATED, before=before, after=new, edits=edits))
        else:
            moved = line_map(result.after if result.after is not None else result.before, new)
            if result.status is not FileStatus.CREATED:
                result.status = FileStatus.MIGRATED
            result.after = new
            result.edits.extend(edits)
        plan.manual_steps = [replace(s, line=moved(s.line)) if s.path == path else s for s in plan.manual_steps]
        outcome = outcomes.get(path)
        if outcome is not None:
            _replace_outcomes(index, [replace(
                outcome,
                status=FileStatus.MIGRATED if outcome.status is FileStatus.UNCHANGED else outcome.status,
                after=new,
                manual_steps=tuple(replace(s, line=moved(s.line)) for s in outcome.manual_steps),
            )])
        if path in index.drivers:
            index.drivers[path] = new.decode("utf-8", "replace")
        if path in index.notebooks.deploy_sources:
            index.notebooks.deploy_sources[path] = read_notebook(path, new).python_text
    plan.manual_steps.extend(found.steps)
    if set(found.changed) & (set(index.drivers) | set(index.notebooks.deploy_sources)):
        deploy_read(index)  # its lines are those of the files as they are written now
    index.code = replace(
        index.code,
        retired_endpoint=endpoint,
        endpoint_callers=tuple(sorted(found.callers, key=lambda c: (c.path, c.line or 0, c.cell))),
    )


def app_files(index: ProjectIndex) -> None:
    """start_server.py, requirements.txt (pinned as the model was logged) and the runtime helpers."""
    agent = index.agent
    if agent is None:
        return
    imported = set(agent.imported_modules)
    # Helper modules that use the runtime helpers run in the app as well; read off each file as it
    # is written, so every run counts the same ones (drivers MA007 only marks run elsewhere).
    for outcome in index.outcomes:
        if _uses_runtime(outcome.after or outcome.before or b""):
            imported |= set(outcome.imported_modules)
    pinned = (
        logged_model_requirements(index.options.model_dir),
        "\n".join(index.deployment.pip_requirements),
    )
    # a package under src/ is imported by its own name (`pkg.formatting`), not as `src`
    local = index.local_modules | {o.package[0] for o in index.outcomes if o.package}
    files, steps = scaffold_files(
        index.root, agent.path, sorted(imported), local, agent.before,
        index.code.uses_user_identity, pinned,
        keeps_agent_name=bool(KEPT_NAME_IMPORT.search(agent.after or agent.before)),
        uses_legacy_adapters=agent.uses_legacy_adapters,
        package=agent.package,
    )
    index.plan.files.extend(files)
    index.plan.manual_steps.extend(steps)


def _uses_runtime(data: bytes) -> bool:
    """A project module that imports the generated runtime helpers (those files themselves aside)."""
    return GENERATED_MARK.encode() not in data and GENERATED_IMPORT.search(data) is not None


def deploy_map_and_write(index: ProjectIndex) -> None:
    """app.yaml, databricks.yml and MIGRATION.md: the deploy map and write stages."""
    agent, plan = index.agent, index.plan
    if agent is None:
        return
    spec = AppSpec(
        command=app_command(agent.path),
        agent_module=agent_module(agent.path, agent.package),
        agent_path=agent.path,
        code=index.code,
    )
    deployment = deployment_plan(index.root, index.deployment, spec, rules=index.options.rules)
    plan.files.extend(f for f in deployment.files if f.changed or f.status is FileStatus.FAILED)
    plan.manual_steps.extend(deployment.manual_steps)
    plan.deploy_markdown = deployment.diff_markdown
    plan.deploy_json = deployment.diff_json
    plan.errors.extend(deployment.errors)


def check_links(index: ProjectIndex) -> None:
    """A file to write that is a symbolic link is written through when it points inside the
    project (the plan says so); else the plan fails and apply writes nothing: never replaced."""
    plan = index.plan
    for result in plan.changed_files:
        path = index.root / result.path
        if not path.is_symlink():
            continue
        why = why_unwritable(path, index.root)
        if why is not None:
            plan.errors.append(f"cannot write {result.path}: {why}")
        else:
            target = Path(os.path.realpath(path)).relative_to(Path(os.path.realpath(index.root))).as_posix()
            result.edits.append(f"written through the symbolic link to {target} (the link is kept)")


def markers_left(index: ProjectIndex) -> None:
    """Every TODO marker the files hold once applied is a manual step until it is dealt with:
    one an earlier apply wrote whose cause no rule finds again (a use of the agent's name in a
    module migrated since) is listed at its line."""
    texts = dict(index.marked)
    for result in index.plan.files:
        if result.after is not None and result.path.endswith((".py", ".ipynb")):
            texts[result.path] = result.after
    index.plan.manual_steps.extend(open_markers(texts, index.plan.manual_steps))


def keep_selected_rules(index: ProjectIndex) -> None:
    """Only the rules selected report steps (their codemods alone ran, see `migrate`); a
    converting rule selected without the rules a conversion takes says why it converted nothing."""
    rules, plan = index.options.rules, index.plan
    if rules is None:
        return
    plan.manual_steps = [step for step in plan.manual_steps if step.rule in rules]
    plan.notes.extend(conversion_notes(rules))


def acknowledge(index: ProjectIndex) -> None:
    """Steps the user acknowledged leave the manual steps (and so the exit code)."""
    plan = index.plan
    plan.manual_steps.sort(key=lambda s: (s.path or "", s.line or 0, s.rule))
    acknowledged = read_acknowledgements(plan.root)
    open_steps = []
    for step in plan.manual_steps:
        (plan.acknowledged if is_acknowledged(step, acknowledged) else open_steps).append(step)
    plan.manual_steps = open_steps


STAGES = (
    discover,
    index_created_files,
    project_prepass,
    migrate,
    fold_notebooks,
    choose_app,
    generated_imports_from_agent,
    project_checks,
    deploy_read,
    endpoint_callers,
    app_files,
    deploy_map_and_write,
    check_links,
    markers_left,
    keep_selected_rules,
    acknowledge,
)


def run(path: Path, options: Options) -> Plan:
    """Every stage over the project at `path` (a directory, or one agent file)."""
    path = Path(path).resolve()
    root = path if path.is_dir() else path.parent
    index = ProjectIndex(scope=path, root=root, options=options, plan=Plan(root=root))
    for stage in STAGES:
        stage(index)
    return index.plan


# -- helpers of the stages ----------------------------------------------------------------------


def _migrated(index: ProjectIndex, units: list[tuple[str, bytes]], *, app_expected: bool, on_done=None):
    """`units` through the codemods with the project's facts (see migrate_agent.migrate.workers)."""
    return migrate_all(
        units,
        jobs=index.options.jobs,
        class_facts=index.class_facts,
        context_facts=index.context_facts,
        app_expected=app_expected,
        first_party=index.first_party,
        project=index.project,
        on_done=on_done,
        rules=index.options.rules,
    )


def module_roots(rel: str) -> set[str]:
    """The names a project .py file is imported by at the top: its top-level folder, or itself
    (`pkg/agent.py`: `pkg` and `agent`)."""
    return {rel.split("/", 1)[0].removesuffix(".py"), rel.rsplit("/", 1)[-1][:-3]}


def deploy_texts(drivers: dict[str, str], created: dict[str, bytes]) -> tuple[dict[str, str], dict[str, str]]:
    """(drivers, texts) for the deploy readers: the driver files they read (those with deployment
    code), and the texts a driver's imports are looked up in before the disk: the drivers and the
    Python files apply creates from notebook writer cells, not on disk yet. A driver's
    `from agent import LLM_ENDPOINT_NAME` then resolves on the first apply as on the next one,
    where the readers find that file on disk (a created file with deployment code is a driver)."""
    drivers = dict(drivers)
    others: dict[str, str] = {}
    for path, content in created.items():
        if not path.endswith(".py") or path in drivers:
            continue
        (drivers if text_markers(content)[1] else others)[path] = content.decode("utf-8", "replace")
    return drivers, {**others, **drivers}


def chosen_agent(outcomes: list[FileOutcome], root: Path) -> tuple[FileOutcome | None, list[FileOutcome]]:
    """(the agent the app serves, the other agents converted now as they are reported instead);
    the same agent on every run, so `apply` is a fixpoint.

    One app serves one agent (the agent server registers one invoke handler per process). In
    order: the agent our start_server.py already serves; else one an earlier apply converted
    (its start_server.py went missing: it is created again); else the first agent converted
    now, in path order. Every other agent converted now is left as it was and reported.
    """
    converted = [o for o in outcomes if o.converted_agent and o.status is FileStatus.MIGRATED]
    served = [o for o in outcomes if o.status is not FileStatus.FAILED and _served_by_our_server(root, o)]
    earlier = [o for o in outcomes if o.migrated_before]
    chosen = (served or earlier or converted or [None])[0]
    others = [
        replace(
            extra,
            status=FileStatus.SKIPPED,
            reason=f"one app serves one agent; {chosen.path} is this app's agent",
            edits=(),
            manual_steps=(ManualStep(
                "MA001",
                f"`{extra.converted_agent}` is a second agent in this project: migrate it as "
                "an app of its own (run migrate-agent on its directory)",
                extra.path,
            ),),
        )
        for extra in converted if extra is not chosen
    ]
    return chosen, others


def _replace_outcomes(index: ProjectIndex, new: list[FileOutcome]) -> None:
    """What a later stage says of some files instead (a new outcome per path), everywhere the
    index holds their outcomes: the project's files, the migrated units, the app's agent."""
    by_path = {outcome.path: outcome for outcome in new}
    if not by_path:
        return
    old = {id(o): by_path[o.path] for o in index.outcomes if o.path in by_path}
    index.outcomes = [by_path.get(o.path, o) for o in index.outcomes]
    index.results = [old.get(id(o), o) for o in index.results]
    if index.agent is not None and id(index.agent) in old:
        index.agent = old[id(index.agent)]


def _folder(path: str) -> str:
    """A project file's folder, "" for the project root."""
    folder = str(PurePosixPath(path).parent)
    return "" if folder == "." else folder


def _served_by_our_server(root: Path, outcome: FileOutcome) -> bool:
    server = root / PurePosixPath(outcome.path).parent / SERVER_FILE
    return server.is_file() and served_module(server.read_bytes()) == agent_module(outcome.path, outcome.package)


def _endpoint_name(index: ProjectIndex) -> str | None:
    """The endpoint's name: from the deployment (agents.deploy, --endpoint, the endpoint
    config), else the one serving endpoint the project's bundle defines."""
    found = index.deployment.serving.endpoint_name
    if found is not None and isinstance(found.value, str) and found.value:
        return found.value
    bundle = read_project_yaml(index.root, BUNDLE_FILES).data
    resources = bundle.get("resources") if isinstance(bundle, dict) else None
    endpoints = resources.get("model_serving_endpoints") if isinstance(resources, dict) else None
    names = [e.get("name") for e in endpoints.values() if isinstance(e, dict)] if isinstance(endpoints, dict) else []
    return names[0] if len(names) == 1 and isinstance(names[0], str) and names[0] else None


def _user_clients_kept_without_app(outcomes: list[FileOutcome]) -> list[FileOutcome]:
    """No agent is converted, so no agent_server_utils is generated: a helper module must not be
    rewritten to import from it. Such a module stays as it is, and says why (the new outcomes)."""
    return [
        replace(
            outcome,
            status=FileStatus.SKIPPED,
            reason="no agent of this project is converted, so no app is generated",
            after=outcome.before,
            edits=(),
            manual_steps=(ManualStep(
                "MA004",
                "its on-behalf-of-user clients are left as they are: they become per-request "
                "clients (get_user_workspace_client() in the generated agent_server_utils) once "
                "the project's agent is converted; run migrate-agent again then",
                outcome.path,
            ),),
        )
        for outcome in outcomes
        if outcome.status is FileStatus.MIGRATED and outcome.uses_user_identity
        and not any(name in outcome.before for name in IDENTITY_RUNTIME_NAMES)  # migrated by an earlier run
    ]


def _code_facts(root: Path, outcomes: list[FileOutcome]) -> CodeFacts:
    """What the deployment side needs from the code: user-client calls, Model Serving calls left."""
    return CodeFacts(
        uses_user_identity=any(o.uses_user_identity for o in outcomes),
        user_client_calls=project_user_client_calls(root, outcomes),
        model_serving_calls=tuple(
            ModelServingCall(path=step.path or o.path, line=step.line, message=step.message)
            for o in outcomes for step in o.manual_steps if step.rule == "MA007"
        ),
    )
