"""Callers of the Model Serving endpoint the app replaces: found in the project's Python files,
notebooks (Python and SQL / shell cells), .sql files and job / bundle / config files, rewritten to
call the app where that is safe (rule MA009), listed with file:line otherwise.

Static only: files are read and parsed, never imported or run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import MetadataWrapper

from codemods._base import EDITS_KEY, MANUAL_STEPS_KEY
from codemods.analysis.endpoint_callers import VALUE_KIND, TextCaller, app_model, find_callers, text_kind
from codemods.ma009_endpoint_callers import APP_KEY, ENDPOINT_KEY, EndpointCallers
from migrate_agent.discover.discovery import SOURCE_NOTEBOOK_HEADER, project_files
from migrate_agent.discover.fileio import split_bom
from migrate_agent.migrate.engine import located_steps
from migrate_agent.model import ManualStep
from migrate_agent.notebooks import source_format
from migrate_agent.notebooks.ipynb_format import code_cells, scan
from migrate_agent.notebooks.masking import raw_magic_lines, split_lines
from migrate_agent.notebooks.notebook import read_notebook

RULE = "MA009"
# Files that may name the endpoint besides Python and notebooks: SQL, jobs, bundles, configs.
TEXT_SUFFIXES = (".sql", ".yml", ".yaml", ".json", ".toml", ".cfg", ".ini", ".conf", ".sh", ".txt", ".env")
CALLS_APP = "calls the app"
OPEN = "still calls the endpoint"
KEPT = "kept (--keep-callers)"


@dataclass(frozen=True, kw_only=True)
class EndpointCaller:
    """One caller of the endpoint (or a call of the app that replaced one), where it is now."""

    path: str
    line: int | None
    cell: str = ""  # "cell N: " in a Jupyter notebook (its lines are not the file's)
    kind: str
    code: str
    status: str  # CALLS_APP, OPEN or KEPT

    def location(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where} ({self.cell.rstrip(': ')})" if self.cell else where


@dataclass(kw_only=True)
class CallersFound:
    """What the callers stage found and would change."""

    callers: list[EndpointCaller] = field(default_factory=list)
    steps: list[ManualStep] = field(default_factory=list)
    changed: dict[str, bytes] = field(default_factory=dict)  # path -> new bytes
    edits: dict[str, list[str]] = field(default_factory=dict)


def project_text_files(root) -> Iterable[str]:
    """Project-relative paths of the files that may call the endpoint, in a stable order."""
    return (rel for rel, _ in project_files(root, suffixes=(".py", ".ipynb", *TEXT_SUFFIXES)))


def find_endpoint_callers(
    files: Iterable[tuple[str, bytes]], endpoint: str, app: str, *, keep: bool, own_files: frozenset[str] = frozenset()
) -> CallersFound:
    """Every caller of `endpoint` in `files` ((path, current bytes)); with `keep` false, Python
    callers with a safe equivalent are rewritten to call `app` and the others are marked.
    `own_files`: files the migration writes for the app (app.yaml, databricks.yml), whose lines
    naming the app are not callers when the app bears the endpoint's name."""
    found = CallersFound()
    needles = (endpoint.encode(), app_model(app).encode())
    for path, data in files:
        if not any(needle in data for needle in needles):
            continue
        if path.endswith(".ipynb") or (
            path.endswith(".py") and split_bom(data)[1].startswith(SOURCE_NOTEBOOK_HEADER.encode())
        ):
            _notebook(found, path, data, endpoint, app, keep)
        elif path.endswith(".py"):
            _python_file(found, path, data, endpoint, app, keep)
        else:
            text = data.decode("utf-8", "replace")
            own = text if path in own_files else ""
            for number, line in enumerate(text.splitlines(), start=1):
                _text_line(found, path, number, "", line, endpoint, app, keep, own)
    return found


# -- Python ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Step:
    line: int  # of its marker, in the code as rewritten
    message: str
    acknowledged: bool


@dataclass(frozen=True, kw_only=True)
class _Rewritten:
    """One module through the rule: its code, edits, steps and callers (lines of that code)."""

    code: str
    edits: list[str]
    steps: list[_Step]
    sites: list  # CallerSite


def _rewrite(code: str, path: str, endpoint: str, app: str, keep: bool) -> _Rewritten | None:
    """The rule over one module's code; None when it does not parse."""
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError:
        return None
    if keep:
        sites = find_callers(MetadataWrapper(module, unsafe_skip_copy=True), endpoint, app)
        return _Rewritten(code=code, edits=[], steps=[], sites=sites)
    context = CodemodContext(filename=path, scratch={ENDPOINT_KEY: endpoint, APP_KEY: app})
    new = EndpointCallers(context).transform_module(module).code
    # the steps at their markers' lines; one whose marker is not there (no line) is not listed
    located = located_steps(context.scratch.get(MANUAL_STEPS_KEY, []), path, new)
    steps = [_Step(line=x.line, message=x.message, acknowledged=x.acknowledged) for x in located if x.line is not None]
    sites = find_callers(MetadataWrapper(cst.parse_module(new), unsafe_skip_copy=True), endpoint, app)
    edits = list(dict.fromkeys(context.scratch.get(EDITS_KEY, [])))
    return _Rewritten(code=new, edits=edits, steps=steps, sites=sites)


def _python_file(found: CallersFound, path: str, data: bytes, endpoint: str, app: str, keep: bool) -> None:
    bom, body = split_bom(data)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return
    result = _rewrite(text, path, endpoint, app, keep)
    if result is None:  # not Python we can parse: read as text
        for number, line in enumerate(text.splitlines(), start=1):
            _text_line(found, path, number, "", line, endpoint, app, keep)
        return
    if result.code != text:
        found.changed[path] = bom + result.code.encode("utf-8")
        found.edits[path] = result.edits
    _record(found, path, result, lambda line: (line, ""), keep)


def _record(found: CallersFound, path: str, result: _Rewritten, locate: Callable, keep: bool) -> None:
    for site in result.sites:  # read from the code as written: the same on the next run
        line, cell = locate(site.line)
        status = CALLS_APP if site.calls_app else KEPT if keep else OPEN
        found.callers.append(EndpointCaller(path=path, line=line, cell=cell, kind=site.kind, code=site.code, status=status))
    for step in result.steps:
        at, cell = locate(step.line)
        found.steps.append(ManualStep(RULE, cell + step.message, path, at, acknowledged=step.acknowledged))


# -- notebooks ---------------------------------------------------------------------------------


def _notebook(found: CallersFound, path: str, data: bytes, endpoint: str, app: str, keep: bool) -> None:
    try:
        notebook = read_notebook(path, data)
    except ValueError:
        return
    own = notebook.units[0]
    # A notebook that is the model gets test cells guarded by the migration: not rewritten here.
    result = _rewrite(own.code, path, endpoint, app, keep or bool(notebook.guards))
    if result is not None:
        if result.code != own.code:
            rebuilt = notebook.rebuild({path: result.code})
            if rebuilt is None:
                result = _rewrite(own.code, path, endpoint, app, True)
            else:
                found.changed[path] = rebuilt
                found.edits[path] = result.edits

        def locate(line: int, code: str = result.code) -> tuple[int | None, str]:
            return notebook.locate(own, code, line)

        _record(found, path, result, locate, keep)
    text = split_bom(found.changed.get(path, data))[1].decode("utf-8", "replace")
    for number, cell, line in _hidden_lines(path, text):
        _text_line(found, path, number, cell, line, endpoint, app, keep)


def _hidden_lines(path: str, text: str) -> Iterable[tuple[int | None, str, str]]:
    """(line, cell prefix, text) of the notebook's lines that are not Python: SQL, shell and
    other language cells, line magics (`!curl ...`); markdown cells left out."""
    if path.endswith(".ipynb"):
        for cell in code_cells(scan(text)):
            lines = split_lines(cell.text)
            prefix = f"cell {cell.index + 1}: "
            if lines and lines[0].startswith("%"):
                if not lines[0].startswith(("%md", "%%md", "%%markdown")):
                    yield from ((None, prefix, line) for line in lines if not line.startswith(("%%writefile",)))
                continue
            yield from ((None, prefix, lines[i]) for i in sorted(raw_magic_lines(lines)))
        return
    lines = split_lines(text)
    for cell in source_format.split_cells(lines):
        if cell.last < cell.first:
            continue
        content = cell.content(lines)
        if cell.magic:
            plain = [source_format.unprefix(line) for line in content]
            if plain[0].lstrip().startswith(("%md", "%%writefile")):
                continue
            yield from ((cell.first + i + 1, "", line) for i, line in enumerate(plain))
        else:
            yield from ((cell.first + i + 1, "", content[i]) for i in sorted(raw_magic_lines(content)))


# -- other text --------------------------------------------------------------------------------


def _text_line(
    found: CallersFound, path: str, number: int | None, cell: str, line: str, endpoint: str, app: str,
    keep: bool, own: str = "",
) -> None:
    """A caller on one line of a file that is not Python. `own`: the text of the file when the
    migration writes it for the app (app.yaml, databricks.yml): a line there naming an app that
    bears the endpoint's name is the app's, and a bundle's `name:` of its serving endpoint is the
    endpoint's definition, not a caller."""
    if endpoint not in line:
        return
    match = text_kind(endpoint, app, line)
    if match is None:
        return
    value = match.kind == VALUE_KIND
    if own and value and app == endpoint:
        return
    if own and value and "model_serving_endpoints" in own and _NAME_LINE.fullmatch(line.strip()):
        match = TextCaller(kind="the bundle's endpoint definition", message=(
            f"the bundle still defines the Model Serving endpoint `{endpoint}`: remove that resource when "
            "you delete the endpoint (MIGRATION.md, Endpoint retirement)"
        ))
    kind, message = match.kind, match.message
    code = " ".join(line.split())
    code = code if len(code) <= 60 else code[:57] + "..."
    found.callers.append(
        EndpointCaller(path=path, line=number, cell=cell, kind=kind, code=code, status=KEPT if keep else OPEN)
    )
    if not keep:
        found.steps.append(ManualStep(RULE, cell + message, path, number))


_NAME_LINE = re.compile(r"-?\s*name:\s*\S+")


# -- lines of a rewritten file -----------------------------------------------------------------


def line_map(before: bytes, after: bytes) -> Callable[[int | None], int | None]:
    """Where each line of `before` is in `after` (a rewritten file: lines added above it)."""
    old = before.decode("utf-8", "replace").splitlines()
    new = after.decode("utf-8", "replace").splitlines()
    moved: dict[int, int] = {}
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        for offset in range(i2 - i1):
            moved[i1 + offset + 1] = j1 + (offset if tag == "equal" else 0) + 1
    return lambda line: moved.get(line, line) if line else line
