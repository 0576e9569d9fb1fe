"""The notebooks of one project inside a plan: their units go through the per-file engine with
the project's files, then each notebook's results are folded back into one file result, plus
the files its %%writefile cells write that the project does not ship (the app needs them)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from codemods._base import acknowledged_form, todo_comment
from migrate_agent.discover.discovery import may_hold_agent, text_markers
from migrate_agent.discover.fileio import split_bom
from migrate_agent.migrate.engine import FileOutcome
from migrate_agent.model import FileStatus, ManualStep

if TYPE_CHECKING:  # the reader is imported once a notebook is found (most projects have none)
    from migrate_agent.notebooks.notebook import Notebook, Unit


def _normal(data: bytes | str) -> str:
    text = data if isinstance(data, str) else split_bom(data)[1].decode("utf-8", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()


@dataclass
class NotebookFiles:
    """Collects a project's notebooks while it is walked; `fold` turns engine outcomes back."""

    notebooks: list[Notebook] = field(default_factory=list)
    candidates: list[tuple[str, bytes]] = field(default_factory=list)  # (engine path, code)
    owners: list[tuple[Notebook, Unit]] = field(default_factory=list)  # one per candidate
    deploy_sources: dict[str, str] = field(default_factory=dict)
    unreadable: list[FileOutcome] = field(default_factory=list)
    skipped: int = 0

    def add(self, path: str, data: bytes) -> None:
        holds_agent, deploys = text_markers(data)  # the prefilter every project file goes through
        if not holds_agent and not deploys:
            self.skipped += 1  # text prefilter, as for any other file
            return
        from migrate_agent.notebooks.notebook import read_notebook

        try:
            notebook = read_notebook(path, data)
        except ValueError as error:  # UnicodeDecodeError, a JSON layout error
            if holds_agent:
                self.unreadable.append(FileOutcome(
                    path=path, status=FileStatus.FAILED, before=data, reason=f"cannot read the notebook: {error}"
                ))
            return
        self.notebooks.append(notebook)
        if deploys:
            self.deploy_sources[path] = notebook.python_text
        for unit in notebook.units:
            if unit.kind == "writefile":
                if not unit.app_path.endswith(".py"):
                    continue
            elif not may_hold_agent(unit.data):
                continue
            self.candidates.append((unit.app_path or path, unit.data))
            self.owners.append((notebook, unit))

    def written_files(self, root: Path) -> dict[str, bytes]:
        """The Python files apply creates from writer cells (path -> the code a cell writes, the
        first cell of a path): those the project does not ship. They belong to the project from
        the start (its modules, the class pre-pass, the changed-names check), as on any later run,
        when they are on disk."""
        written: dict[str, bytes] = {}
        for _, unit in self.owners:
            if unit.kind == "writefile" and unit.app_path not in written and not (root / unit.app_path).is_file():
                written[unit.app_path] = unit.data
        return written

    def fold(
        self, root: Path, files: list[FileOutcome], unit_outcomes: list[FileOutcome]
    ) -> tuple[list[FileOutcome], dict[str, tuple[str, bytes]]]:
        """(outcomes of files and notebooks, files to create: path -> (cell code, content)) from
        the engine's results."""
        if not self.notebooks:
            return list(files) + self.unreadable, {}
        from migrate_agent.notebooks.notebook import read_notebook

        real = {o.path: o for o in files}
        per_unit = {id(unit): outcome for (_, unit), outcome in zip(self.owners, unit_outcomes)}
        result = list(files) + self.unreadable
        created: dict[str, tuple[str, bytes]] = {}
        for notebook in self.notebooks:
            folded = _fold_one(root, notebook, per_unit, real, created)
            result.extend(folded)
            mine = folded[0]
            if notebook.path in self.deploy_sources:
                # line numbers in the deploy report refer to the notebook as apply leaves it
                migrated = mine.status is FileStatus.MIGRATED
                self.deploy_sources[notebook.path] = (
                    read_notebook(notebook.path, mine.after) if migrated else notebook
                ).python_text
        return result, created


def _fold_one(
    root: Path, notebook: Notebook, per_unit: dict[int, FileOutcome], real: dict[str, FileOutcome],
    created: dict[str, tuple[str, bytes]],
) -> list[FileOutcome]:
    from migrate_agent.notebooks.notebook import NOTEBOOK_RULE, read_notebook

    new_codes: dict[str, str] = {}
    edits: list[str] = []
    steps: list[ManualStep] = list(notebook.steps)
    extra: list[FileOutcome] = []
    own: FileOutcome | None = None
    skipped: str | None = None
    guard = False  # the notebook's own agent is converted: its test cells go under the guard
    not_converted = False  # an agent of the notebook (its code, a file it writes) is left as it was
    converted = False  # an agent of the notebook is converted

    def remap(unit: Unit, outcome: FileOutcome) -> None:
        migrated = (outcome.after or outcome.before).decode("utf-8", "replace")
        for step in outcome.manual_steps:
            line, where = notebook.locate(unit, migrated, step.line)
            steps.append(ManualStep(step.rule, where + step.message, notebook.path, line, step.acknowledged))

    for unit in notebook.units:
        outcome = per_unit.get(id(unit))
        if unit.kind == "notebook":
            if outcome is None:
                continue
            if outcome.status is FileStatus.FAILED:
                line, where = notebook.locate(unit, unit.code, outcome.line)
                steps.append(ManualStep(NOTEBOOK_RULE, f"{where}the notebook's code could not be migrated: "
                                        f"{outcome.reason}", notebook.path, line))
                continue
            why_not = _not_importable(notebook, unit) if outcome.converted_agent else None
            if why_not:
                skipped = why_not
                line, where = notebook.locate(unit, unit.code, _export_line(unit.code))
                steps.append(ManualStep(NOTEBOOK_RULE, f"{where}`{outcome.converted_agent}` is defined in the "
                                        f"notebook itself, but {_how_to_import(notebook) or why_not}: not migrated",
                                        notebook.path, line))
                continue
            remap(unit, outcome)
            # Test cells go under the `__main__` guard only for an agent the app imports: a
            # notebook whose agent is not converted gets its TODO markers and nothing else.
            serves = bool(outcome.converted_agent or outcome.migrated_before)
            if serves:
                steps.extend(notebook.guard_steps)
            not_converted = not_converted or outcome.agent_not_converted
            if outcome.status is FileStatus.MIGRATED:
                new_codes[unit.key] = outcome.after.decode("utf-8")
                edits.extend(outcome.edits)
                if outcome.converted_agent:
                    guard = True
                    edits.extend(notebook.guards)
                own = outcome
            continue

        if outcome is not None:
            not_converted = not_converted or outcome.agent_not_converted
            converted = converted or bool(outcome.converted_agent)
        label = f"cell {unit.cell} (%%writefile {unit.target})"
        if unit.appends:
            edits.append(f"{label}: cells {', '.join(map(str, unit.appends))} append to it (%%writefile -a); "
                         "read as one file, their code is in this cell once migrated")
        path = root / unit.app_path
        shipped = real.get(unit.app_path)
        if shipped is not None or path.is_file():
            before = shipped.before if shipped is not None else path.read_bytes()
            if _normal(unit.code) == _normal(before):
                if shipped is not None and shipped.status is FileStatus.MIGRATED:
                    new_codes[unit.key] = _as_cell_text(shipped.after, unit.code)
                    edits.append(f"{label}: migrated exactly like {unit.app_path}")
                continue
            steps.append(ManualStep(
                NOTEBOOK_RULE,
                f"{label} writes other code than {unit.app_path} holds; each was migrated on its own: make "
                f"them the same (the next run of the notebook overwrites {unit.app_path})",
                notebook.path, unit.line,
            ))
            if outcome is not None and outcome.status is FileStatus.MIGRATED:
                new_codes[unit.key] = outcome.after.decode("utf-8")
                edits.extend(f"{label}: {e}" for e in outcome.edits)
                remap(unit, outcome)
            continue

        if unit.app_path in created:  # another cell writes it too
            code, content = created[unit.app_path]
            if _normal(unit.code) == _normal(code):
                if content != unit.data:
                    new_codes[unit.key] = _as_cell_text(content, unit.code)
                    edits.append(f"{label}: migrated exactly like the other cell that writes {unit.app_path}")
                continue
            steps.append(ManualStep(
                NOTEBOOK_RULE,
                f"{label} writes other code to {unit.app_path} than another cell does; the app gets the "
                "first one: make them the same, or write different files",
                notebook.path, unit.line,
            ))
            continue
        if outcome is None:  # not Python (a config file...): the app gets it as the notebook writes it
            outcome = FileOutcome(path=unit.app_path, status=FileStatus.MIGRATED, before=unit.data, after=unit.data)
        if outcome.status is FileStatus.FAILED:
            steps.append(ManualStep(NOTEBOOK_RULE, f"{label}: the code it writes could not be migrated: "
                                    f"{outcome.reason}", notebook.path, unit.line))
            continue
        remap(unit, outcome)
        done = "migrated in place; " if outcome.after != outcome.before else ""
        if done:
            new_codes[unit.key] = outcome.after.decode("utf-8")
        where = (f"{unit.target} is outside the project, the app gets a copy at {unit.app_path}"
                 if unit.outside else f"the file it writes is not in the project, the app gets it at {unit.app_path}")
        edits.append(f"{label}: {done}{where}")
        # a copy: the unit's own outcome stays as the engine gave it, for a second fold
        outcome = replace(outcome, status=FileStatus.MIGRATED, manual_steps=())
        created[unit.app_path] = (unit.code, outcome.after)
        extra.append(outcome)

    after = notebook.rebuild(new_codes, guard)
    if after is None:
        for written in extra:  # nothing of this notebook is applied
            created.pop(written.path, None)
        return [FileOutcome(path=notebook.path, status=FileStatus.FAILED, before=notebook.data,
                            reason="the migrated code could not be put back into the notebook")]
    if not notebook.path.endswith(".ipynb"):
        if after != notebook.data:
            steps = _at_written_lines(notebook, read_notebook(notebook.path, after), steps)
        steps = _at_markers(split_bom(after)[1].decode("utf-8", "replace"), steps)
    status = FileStatus.MIGRATED if after != notebook.data else FileStatus.UNCHANGED
    if skipped and status is FileStatus.UNCHANGED:
        status = FileStatus.SKIPPED
    folded = FileOutcome(
        path=notebook.path, status=status, before=notebook.data, after=after,
        reason=skipped if status is FileStatus.SKIPPED else None,
        edits=tuple(dict.fromkeys(edits)), manual_steps=tuple(dict.fromkeys(steps)),
        converted_agent=own.converted_agent if own else None,
        imported_roots=own.imported_roots if own else (),
        uses_user_identity=bool(own and own.uses_user_identity),
        # what the app needs of the agent's code: the helper file it imports, its requirements
        uses_legacy_adapters=bool(own and own.uses_legacy_adapters),
        imported_modules=own.imported_modules if own else (),
        agent_not_converted=not_converted and not (converted or guard),
    )
    return [folded, *extra]


def _at_written_lines(read: Notebook, written: Notebook, steps: list[ManualStep]) -> list[ManualStep]:
    """The steps found by reading the notebook's cells (`read`: the notebook before the run) at
    the lines the same reading gives in the notebook as written: cells above them that the
    migration rewrote move them, and a second run reads the written notebook."""
    own = {id(s) for s in [*read.steps, *read.guard_steps]}
    lines: dict[tuple[str, str], list[int | None]] = {}
    for step in [*written.steps, *written.guard_steps]:
        lines.setdefault((step.rule, step.message), []).append(step.line)
    located = []
    for step in steps:
        found = lines.get((step.rule, step.message)) if id(step) in own and step.line is not None else None
        if found:
            step = ManualStep(step.rule, step.message, step.path, found.pop(0), step.acknowledged)
        located.append(step)
    return located


def _at_markers(text: str, steps: list[ManualStep]) -> list[ManualStep]:
    """Steps whose TODO marker stands in the rebuilt notebook, at that marker's line.

    A step's line was found in its unit's migrated code; cells above it that the migration
    rewrote (a longer %%writefile body) move it in the notebook as written, so the marker itself
    says where it is. Of several equal markers, the one nearest the computed line is taken."""
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.strip()
        if body.startswith("# MAGIC"):
            body = body[len("# MAGIC"):].strip()
        lines.setdefault(body, []).append(number)
    located = []
    for step in steps:
        marker = todo_comment(step.rule, step.message)
        found = lines.get(marker) or lines.get(acknowledged_form(marker))
        if found and step.line is not None:
            step = ManualStep(step.rule, step.message, step.path,
                              min(found, key=lambda n: abs(n - step.line)), step.acknowledged)
        located.append(step)
    return located


def _as_cell_text(migrated_file: bytes, cell_code: str) -> str:
    """A migrated file's code with the cell's line endings."""
    text = split_bom(migrated_file)[1].decode("utf-8").replace("\r\n", "\n")
    return text.replace("\n", "\r\n") if "\r\n" in cell_code else text


def _export_line(code: str) -> int | None:
    """Line of the first `set_model(...)` call of a notebook's code, if it parses."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    lines = [
        node.lineno for node in ast.walk(tree)
        if isinstance(node, ast.Call) and "set_model" in (
            getattr(node.func, "attr", None), getattr(node.func, "id", None))
    ]
    return min(lines, default=None)


def _how_to_import(notebook: Notebook) -> str | None:
    """For a Jupyter notebook holding the agent: how to make it a file the app imports."""
    if not notebook.path.endswith(".ipynb"):
        return None
    source = PurePosixPath(notebook.path).with_suffix(".py")
    return (
        f"the app cannot import an .ipynb: export it as the source file `{source}` (Databricks: "
        f"File > Export > Source file, or `databricks workspace export <workspace path of the notebook> "
        f"--format SOURCE --file {source}`), delete `{notebook.path}`, point the `python_model` that logs it "
        f"at `{source.name}` instead of the .ipynb, then run migrate-agent again; or move the agent into a "
        "`%%writefile agent.py` cell"
    )


def _not_importable(notebook: Notebook, unit: Unit) -> str | None:
    """Why the app could not import this notebook as its agent module, if it could not."""
    if notebook.path.endswith(".ipynb"):
        return ("the app cannot import an .ipynb: export the notebook as a source file (.py) or "
                "write the agent with %%writefile, then run migrate-agent again")
    # Any other source notebook is imported as start_server.py imports an agent file: by name
    # (`importlib.import_module("04_agent")`, spaces too) or, with dots in the name, by path.
    return notebook.blocked
