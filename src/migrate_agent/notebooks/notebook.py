"""A notebook as the tool sees it: pieces of Python ("units") the per-file engine migrates, and
how to put the migrated code back into the notebook's own bytes.

Two kinds of unit: the notebook's Python itself (every code cell, with magics, magic cells and
cells that are not Python hidden behind placeholder lines, so one bad cell does not fail the file
and line numbers stay), and each `%%writefile <target>` cell's body, the file the notebook writes.
Rule MA008 reports what is left as it was.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from migrate_agent.discover.discovery import is_notebook, may_hold_agent  # noqa: F401  (is_notebook: re-exported)
from migrate_agent.discover.fileio import split_bom
from migrate_agent.migrate.engine import MIGRATED_AGENT_MARKS
from migrate_agent.model import ManualStep
from migrate_agent.notebooks import ipynb_format, source_format
from migrate_agent.notebooks.masking import Masked, line_ending, raw_magic_lines, split_lines
from migrate_agent.notebooks.test_cells import bound_and_loaded, guarded, is_guarded, notebook_only_uses

NOTEBOOK_RULE = "MA008"
NOTEBOOK_RULE_HELP = (
    "Notebooks: a cell the tool could not migrate (not Python, a custom cell magic, "
    "%%writefile -a to a file no earlier cell starts), or a cell that cannot run in the app "
    "(display, dbutils). Migrate or move it by hand."
)
_WRITEFILE = re.compile(r"^%%writefile(?P<append>(?:\s+-a)?)\s+(?P<target>\S.*?)\s*$")
_CELL_MAGIC = re.compile(r"^%%(?P<name>[\w.]+)")
# Databricks cell-language magics: the whole cell is in that language.
_LANGUAGE_MAGIC = re.compile(r"^%(?:md|md-sandbox|sql|sh|scala|r|fs)\b(?!-)", re.IGNORECASE)
CELL_END = "\x00migrate-agent-cell-end\n"  # hidden line closing each cell of an .ipynb


@dataclass
class Unit:
    key: str  # the path the engine reports it under
    code: str  # the Python text migrated
    kind: str  # "notebook" (the notebook's own code) or "writefile"
    cell: int  # 1-based cell number
    line: int | None = None  # notebook line of the code's first line (source notebooks)
    target: str | None = None  # %%writefile target as written
    app_path: str | None = None  # project-relative path of the written file (or its copy)
    outside: bool = False  # the target is outside the project: app_path is where the app gets it
    appends: list[int] = field(default_factory=list)  # later `%%writefile -a` cells of the same file

    @property
    def data(self) -> bytes:
        return self.code.encode("utf-8")


@dataclass
class Notebook:
    path: str
    data: bytes
    units: list[Unit]
    steps: list[ManualStep]
    python_text: str  # the notebook's Python, magics hidden (line numbers kept for source)
    _rebuild: Callable[[dict[str, str], bool], str | None]
    _cell_of_line: Callable[[str, int], int | None]
    bom: bytes = b""
    guards: list[str] = field(default_factory=list)  # edits: test cells put under a __main__ guard
    blocked: str | None = None  # why the app could not import this notebook as its agent
    # Steps about those test cells: they hold only once the notebook's agent is converted.
    guard_steps: list[ManualStep] = field(default_factory=list)

    def rebuild(self, new_codes: dict[str, str], guard: bool = False) -> bytes | None:
        """The notebook's bytes with each unit's code (by key) replaced, its test cells under
        the `__main__` guard when `guard` (the notebook's own agent was converted); None if that
        failed."""
        text = self._rebuild(new_codes, guard)
        return None if text is None else self.bom + text.encode("utf-8")

    def locate(self, unit: Unit, migrated: str, line: int | None) -> tuple[int | None, str]:
        """(notebook line or None, message prefix) for a line of a unit's migrated code."""
        if self.path.endswith(".ipynb"):
            cell = unit.cell if unit.kind == "writefile" or line is None else self._cell_of_line(migrated, line)
            return None, f"cell {cell}: " if cell else ""
        if line is None or unit.line is None:
            return line, ""
        return unit.line + line - 1, ""


def read_notebook(path: str, data: bytes) -> Notebook:
    """Raises ValueError (UnicodeDecodeError, NotebookFormatError) for an unreadable notebook."""
    bom, body = split_bom(data)
    text = body.decode("utf-8")
    if path.endswith(".ipynb"):
        return _read_ipynb(path, bom, data, text)
    return _read_source(path, bom, data, text)


# -- shared ---------------------------------------------------------------------------------


def app_path_of(notebook: str, target: str) -> tuple[str, bool]:
    """(project-relative path, outside) of a %%writefile target, relative to the notebook's
    folder (its working directory); a target outside the project gets a copy beside the notebook."""
    name = target.strip().strip("'\"")
    folder = posixpath.dirname(notebook)
    if name.startswith(("/", "~", "dbfs:")) or re.match(r"^[A-Za-z]:[\\/]", name):
        return posixpath.join(folder, posixpath.basename(name)), True
    joined = posixpath.normpath(posixpath.join(folder, name))
    if joined.startswith(".."):
        return posixpath.join(folder, posixpath.basename(name)), True
    return joined, False


def _parses(code: str) -> str | None:
    """None if `code` is Python, else why not (parsing only: nothing runs)."""
    try:
        ast.parse(code)
    except SyntaxError as error:
        return f"{error.msg} (cell line {error.lineno})"
    except ValueError as error:
        return str(error)
    except RecursionError:
        return None  # nested too deep for ast, which libcst still parses
    return None


CALLS_AGENT = ("this cell calls the agent; it runs only in the notebook now: check that the names it "
               "uses still exist after the migration")


def _is_model(python_cells) -> bool:
    """Whether the notebook's own code exports the model, or serves it as a migration left it
    (then it is the app's agent module): read off the notebook as it is, so a second run sees
    the test cells the first one put under the guard."""
    code = ""
    for lines in python_cells:
        magics = raw_magic_lines(lines)
        code += "".join(l for i, l in enumerate(lines) if i not in magics)
    return "set_model" in code or all(mark.decode() in code for mark in MIGRATED_AGENT_MARKS)


class _Cells:
    """What the cells of one notebook hold, collected while its units are built."""

    def __init__(self, path: str, model: bool) -> None:
        self.path = path
        self.model = model  # the notebook's own code is the model
        self.units: list[Unit] = []
        self.steps: list[ManualStep] = []
        self.appended: dict[str, int] = {}  # targets written with -a: first such cell
        self.guards: list[str] = []
        self.guard_steps: list[ManualStep] = []
        self.blocked: str | None = None
        # model notebooks: cell -> (lines, line, (bound, loaded names), notebook-only names, calls agent)
        self._python: dict[int, tuple] = {}

    def step(self, message: str, cell: int, line: int | None, *, steps: list[ManualStep] | None = None) -> None:
        where = "" if line else f"cell {cell}: "
        (self.steps if steps is None else steps).append(ManualStep(NOTEBOOK_RULE, where + message, self.path, line))

    def cell_magic(self, first: str, body: str, cell: int, line: int | None, notebook_text: str) -> Unit | None:
        """A `%%name` cell: a writefile unit, a report, or nothing."""
        writefile = _WRITEFILE.match(first.rstrip("\r\n"))
        if writefile:
            target = writefile.group("target")
            if re.search(r"[{}$]", target):  # IPython expands {var} / $var in the magic's line
                if may_hold_agent(body.encode("utf-8")):
                    self.step(f"`%%writefile {target}` names its file at run time, so the code it writes "
                              "was not migrated: write to a literal path, or migrate it by hand", cell, line)
                return None
            app_path, outside = app_path_of(self.path, target)
            if writefile.group("append").strip():
                started = [u for u in self.units if u.app_path == app_path]
                if not started:  # the file is begun elsewhere: not read as a whole here
                    self.appended.setdefault(app_path, cell)
                    return None
                unit = started[-1]  # IPython ends every cell body with a newline before writing
                unit.code += ("" if unit.code.endswith("\n") or not unit.code else "\n") + body
                unit.appends.append(cell)
                return unit
            if not body.strip():
                return None
            return Unit(f"{self.path}#cell{cell}", body, "writefile", cell, line + 1 if line else None,
                        target, app_path, outside)
        name = _CELL_MAGIC.match(first).group("name")
        if may_hold_agent(body.encode("utf-8")):
            defined = "register_cell_magic" in notebook_text and re.search(
                rf"def\s+{re.escape(name)}\s*\(", notebook_text
            )
            why = "a custom cell magic defined in this notebook" if defined else "a cell magic this tool does not know"
            template = " (it fills {{...}} placeholders at run time)" if "{{" in body else ""
            self.step(
                f"`%%{name}` is {why}{template}: the agent code it writes cannot be migrated "
                "statically; migrate that code by hand, or write it with %%writefile",
                cell, line,
            )
        return None

    def python_cell(self, lines: list[str], cell: int, line: int | None) -> set[int]:
        """Indices of the cell's lines to hide: its raw magics, all of it if it is not Python.
        In a notebook that is the model, a cell that can only run in the notebook is noted for
        `decide_guards`."""
        if lines and _LANGUAGE_MAGIC.match(lines[0]):  # a %md / %sql ... cell: not Python at all
            return set(range(len(lines)))
        magics = raw_magic_lines(lines)
        code = "".join(line_ending(l) if i in magics else l for i, l in enumerate(lines))
        why = _parses(code)
        if why is not None:
            if may_hold_agent(code.encode("utf-8")):
                self.step(f"this cell is not valid Python ({why}); it was left as it is and not migrated",
                          cell, line)
            return set(range(len(lines)))
        if not self.model:
            return magics
        if magics:
            self._block(f"cell {cell} holds magic commands (%pip, %run...): put each in a cell of its own")
            return magics
        names, calls_agent = notebook_only_uses(code)
        if is_guarded(code):  # under the guard already (a run before put it there): said again
            if calls_agent:
                self.step(CALLS_AGENT, cell, line, steps=self.guard_steps)
            return magics
        self._python[cell] = (lines, line, bound_and_loaded(code), names, calls_agent)
        return magics

    def decide_guards(self) -> dict[int, str]:
        """The cells (by number) put under `if __name__ == "__main__":`, with their new text."""
        candidates = {c for c, (_, _, _, names, calls) in self._python.items() if names or calls}
        texts = {c: guarded(self._python[c][0]) for c in candidates}
        while True:  # a cell that stays may need what a candidate binds: then that one stays too
            staying = set(self._python) - candidates
            needed = set().union(*(self._python[c][2][1] for c in staying))
            keep = {c for c in candidates if texts[c] is None or self._python[c][2][0] & needed}
            if not keep:
                break
            candidates -= keep
        for cell in sorted(set(texts)):
            lines, line, _, names, calls_agent = self._python[cell]
            uses = ", ".join(f"`{n}`" for n in names) or "the agent"
            if cell in candidates:
                self.guards.append(f"cell {cell}: uses {uses}; now runs only in the notebook "
                                   '(under `if __name__ == "__main__":`), not when the app imports it')
                if calls_agent:
                    self.step(CALLS_AGENT, cell, line, steps=self.guard_steps)
            elif names:
                self._block(f"cell {cell} uses {uses}, which the app does not have, and other cells need "
                            'what it defines: remove that use, or put it under `if __name__ == "__main__":`')
            else:
                self.step("this cell calls the agent when the notebook is imported, and other cells need "
                          "what it defines: the app would call it at start-up; move it into a test", cell, line,
                          steps=self.guard_steps)
        return {c: texts[c] for c in candidates}

    def _block(self, why: str) -> None:
        self.blocked = self.blocked or why

    def finish(self) -> list[Unit]:
        for app_path, cell in self.appended.items():
            self.step(
                f"`%%writefile -a` appends to {app_path}, which no earlier cell of this notebook "
                "starts: the file is not read as a whole, so it is not migrated; migrate it by hand",
                cell, None,
            )
        return [u for u in self.units if u.app_path not in self.appended]


def _rewritten(units: list[Unit], new_codes: dict[str, str]) -> list[tuple[Unit, str]]:
    """(unit, its new code) for each writer unit the migration changed."""
    return [(unit, new_codes[unit.key]) for unit in units if new_codes.get(unit.key, unit.code) != unit.code]


def _replace_cell(replacements: dict[int, str], placeholders: list[int | None], text: str) -> None:
    """The hidden lines `placeholders` give way to `text` (on the first one)."""
    for number in placeholders:
        if number is not None:
            replacements[number] = ""
    replacements[placeholders[0]] = text


# -- Databricks source notebooks -------------------------------------------------------------


def _read_source(path: str, bom: bytes, data: bytes, text: str) -> Notebook:
    lines = split_lines(text)
    cells = [c for c in source_format.split_cells(lines) if c.last >= c.first]

    def is_python(cell) -> bool:
        return not cell.magic and not lines[cell.first].startswith("%%")

    found = _Cells(path, _is_model(c.content(lines) for c in cells if is_python(c)))
    hidden: set[int] = set()
    python_lines: set[int] = set()
    bodies: dict[str, list[tuple[int, int, str]]] = {}  # unit key -> its cells' (first, last, blank)
    guards: dict[int, tuple[int, str]] = {}  # first line index -> (last line index, guarded text)
    for cell in cells:
        content = cell.content(lines)
        number = cell.index + 1
        if not is_python(cell):
            hidden.update(range(cell.first, cell.last + 1))  # blank lines of a raw %% cell too
            plain = [source_format.unprefix(l) for l in content] if cell.magic else content
            if plain[0].startswith("%%"):
                unit = found.cell_magic(plain[0], "".join(plain[1:]), number, cell.first + 1, text)
                if unit is not None:
                    if unit not in found.units:
                        found.units.append(unit)
                    blank = source_format.blank_prefix(content) if cell.magic else ""
                    bodies.setdefault(unit.key, []).append((cell.first + 1, cell.last, blank))
            continue
        python_lines.update(range(cell.first, cell.last + 1))
        hidden.update(cell.first + i for i in found.python_cell(content, number, cell.first + 1))
    decided = found.decide_guards()
    for cell in cells:
        guard = decided.get(cell.index + 1)
        if guard is not None:
            hidden.update(range(cell.first, cell.last + 1))
            guards[cell.first] = (cell.last, guard)

    masked = Masked()
    numbers = {
        i: masked.add(line, i in hidden or (i not in python_lines and bool(line.strip())))
        for i, line in enumerate(lines)
    }
    units = found.finish()
    own = Unit(path, masked.text, "notebook", 0, 1)

    def rebuild(new_codes: dict[str, str], guard: bool) -> str | None:
        replacements: dict[int, str] = {}
        for unit, new in _rewritten(units, new_codes):
            (first, last, blank), *appended = bodies[unit.key]
            for part_first, part_last, _ in appended:  # the -a cells' code is in the first cell now
                if part_last >= part_first:
                    _replace_cell(replacements, [numbers[i] for i in range(part_first, part_last + 1)], "")
            ending = line_ending(lines[last])
            new_lines = new.rstrip("\r\n").splitlines(keepends=True)
            if new_lines:
                new_lines[-1] = new_lines[-1].rstrip("\r\n") + ending
            block = "".join(source_format.prefix(l, blank) if blank else l for l in new_lines)
            _replace_cell(replacements, [numbers[i] for i in range(first, last + 1)], block)
        if guard and path in new_codes:
            for first, (last, guard) in guards.items():
                _replace_cell(replacements, [numbers[i] for i in range(first, last + 1)], guard)
        return masked.restore(new_codes.get(path, masked.text), replacements)

    return Notebook(path, data, [own, *units], found.steps, masked.text, rebuild, lambda text, line: None,
                    bom, found.guards, found.blocked, found.guard_steps)


# -- Jupyter notebooks -----------------------------------------------------------------------


def _read_ipynb(path: str, bom: bytes, data: bytes, text: str) -> Notebook:
    root = ipynb_format.scan(text)
    cells = ipynb_format.code_cells(root)
    sources = {c.index: split_lines(c.text) for c in cells}
    for lines in sources.values():
        if lines and not line_ending(lines[-1]):
            lines[-1] += "\n"  # removed again when the cell is put back
    found = _Cells(path, _is_model(l for l in sources.values() if l and not l[0].startswith("%%")))
    hides: dict[int, set[int]] = {}
    writers: dict[int, Unit] = {}
    for cell in cells:
        number = cell.index + 1
        lines = sources[cell.index]
        if lines and lines[0].startswith("%%"):
            hides[cell.index] = set(range(len(lines)))
            body = cell.text.split("\n", 1)[1] if "\n" in cell.text else ""
            unit = found.cell_magic(lines[0], body, number, None, text)
            if unit is not None:
                writers[cell.index] = unit
                if unit not in found.units:
                    found.units.append(unit)
        elif lines:
            hides[cell.index] = found.python_cell(lines, number, None)
    decided = found.decide_guards()
    masked = Masked()
    bodies: dict[str, list[list[int | None]]] = {}  # writefile unit key -> its cells' body placeholders
    guards: list[tuple[list[int | None], str]] = []
    for cell in cells:
        lines = sources[cell.index]
        guard = decided.get(cell.index + 1)
        hide = set(range(len(lines))) if guard is not None else hides.get(cell.index, set())
        placeholders = [masked.add(l, i in hide) for i, l in enumerate(lines)]
        masked.add(CELL_END, hide=True)
        if cell.index in writers:
            unit = writers[cell.index]
            bodies.setdefault(unit.key, []).append(placeholders[1:])
        if guard is not None:
            guards.append((placeholders, guard))
    units = found.finish()
    own = Unit(path, masked.text, "notebook", 0)
    by_index = {c.index: c for c in cells}
    order = [c.index for c in cells]

    def rebuild(new_codes: dict[str, str], guard: bool) -> str | None:
        replacements: dict[int, str] = {}
        for unit, new in _rewritten(units, new_codes):
            first, *appended = bodies[unit.key]
            for placeholders in appended:  # the -a cells' code is in the first cell now
                if placeholders:
                    _replace_cell(replacements, placeholders, "")
            _replace_cell(replacements, first, new if new.endswith("\n") else new + "\n")
        if guard and path in new_codes:
            for placeholders, guard in guards:
                _replace_cell(replacements, placeholders, guard)
        restored = masked.restore(new_codes.get(path, masked.text), replacements)
        parts = None if restored is None else restored.split(CELL_END)
        if parts is None or len(parts) != len(order) + 1:
            return None
        if parts[-1].strip():  # code the migration appended after the last cell
            parts[-2] += ("" if parts[-2].endswith("\n") or not parts[-2] else "\n") + parts[-1]
        changes = {}
        for index, source in zip(order, parts):
            if not by_index[index].text.endswith("\n") and source.endswith("\n"):
                source = source[:-1]  # the cell had no final line ending
            if source != by_index[index].text:
                changes[index] = source
        return ipynb_format.splice(text, changes, cells)

    def cell_of_line(migrated: str, line: int) -> int | None:
        restored = masked.restore(migrated)
        if restored is None:
            return None
        ordinal = "".join(split_lines(restored)[: line - 1]).count(CELL_END)
        return order[ordinal] + 1 if ordinal < len(order) else None

    return Notebook(path, data, [own, *units], found.steps, masked.text, rebuild, cell_of_line,
                    bom, found.guards, found.blocked, found.guard_steps)
