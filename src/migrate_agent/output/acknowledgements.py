"""Manual steps the user has dealt with, so `plan --check` can reach 0 after a complete apply.

Two ways to acknowledge a step, both kept in the project:

- in code: change the marker's `# TODO(migrate-agent):` to `# ACK(migrate-agent):`, keeping the
  rest of the line (see codemods._base.ACK_PREFIX);
- for steps without a marker (deployment MA1xx, requirements.txt...): a line `RULE [PATH]` in
  `.migrate-agent-ack` at the project root, e.g. `MA108 driver.py`; `RULE` alone covers every
  step of that rule, `(project)` as PATH the steps that name no file. `#` starts a comment.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from codemods._base import ACK_PREFIX, TODO_PREFIX
from migrate_agent.discover.fileio import split_bom
from migrate_agent.model import ManualStep
from migrate_agent.notebooks import ipynb_format

ACK_FILE = ".migrate-agent-ack"


def read_acknowledgements(root: Path) -> set[tuple[str, str | None]]:
    """(rule, path or None for any path) pairs from the project's ack file."""
    path = root / ACK_FILE
    if not path.is_file():
        return set()
    found: set[tuple[str, str | None]] = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            found.add((words[0].upper(), words[1] if len(words) > 1 else None))
    return found


def is_acknowledged(step: ManualStep, acknowledged: set[tuple[str, str | None]]) -> bool:
    if step.acknowledged:
        return True
    where = step.path if step.path is not None else "(project)"
    return (step.rule, None) in acknowledged or (step.rule, where) in acknowledged



# A marker line as the rules write it (codemods._base.todo_comment), or as the user acknowledged
# it: `[RULE] message`.
_MARKER = re.compile(
    rf"^[ \t]*(?:({re.escape(TODO_PREFIX.strip())})|{re.escape(ACK_PREFIX.strip())}) \[(MA\d{{3}})\] (.*?)[ \t]*\r?$",
    re.MULTILINE,
)
MARKER_BYTES = b"(migrate-agent): ["  # in every marker, TODO or ACK
# How a step of a Jupyter notebook names its cell (migrate_agent.notebooks.notebook, locate).
_CELL_PREFIX = re.compile(r"^cell \d+: ")


def open_markers(texts: Mapping[str, bytes], reported: Iterable[ManualStep]) -> list[ManualStep]:
    """A manual step for each marker of `texts` (project file -> its bytes as apply leaves them)
    that no step of `reported` stands for: a TODO an earlier apply wrote stays a manual step until
    it is dealt with (removed, or acknowledged as ACK, then listed as acknowledged), even where no
    rule finds its cause again (the agent module it was written in is migrated now).

    A step stands for a marker of the same rule, message and state (TODO or ACK): in the same
    file first, then in another (a notebook's %%writefile cell reports what the file it writes
    holds). The code of %%writefile cells is not read: it is the file they write, read itself."""
    unclaimed = Counter(
        (step.path, step.rule, _CELL_PREFIX.sub("", step.message), step.acknowledged) for step in reported
    )
    left = []
    for path in sorted(texts):
        for rule, message, acknowledged, line, cell in _markers(path, texts[path]):
            key = (path, rule, message, acknowledged)
            if unclaimed[key] > 0:
                unclaimed[key] -= 1
            else:
                left.append((path, rule, message, acknowledged, line, cell))
    elsewhere = Counter()
    for (_, *key), count in unclaimed.items():
        elsewhere[tuple(key)] += count
    steps = []
    for path, rule, message, acknowledged, line, cell in left:
        if elsewhere[(rule, message, acknowledged)] > 0:
            elsewhere[(rule, message, acknowledged)] -= 1
            continue
        shown = message if cell is None else f"cell {cell}: {message}"
        steps.append(ManualStep(rule, shown, path, line, acknowledged))
    return steps


def _markers(path: str, data: bytes) -> Iterator[tuple[str, str, bool, int | None, int | None]]:
    """(rule, message, acknowledged, line, cell) of each marker of a file: a line of a Python file
    or a Databricks source notebook (its `# MAGIC` cells aside), a cell of a Jupyter notebook (its
    code cells that are not cell magics)."""
    if MARKER_BYTES not in data:
        return
    text = split_bom(data)[1].decode("utf-8", "replace")
    if path.endswith(".ipynb"):
        try:
            cells = ipynb_format.code_cells(ipynb_format.scan(text))
        except ValueError:  # not a notebook this tool reads: reported as such elsewhere
            return
        for cell in cells:
            if not cell.text.lstrip().startswith("%%"):
                for match in _MARKER.finditer(cell.text):
                    yield match[2], match[3], match[1] is None, None, cell.index + 1
        return
    for match in _MARKER.finditer(text):
        yield match[2], match[3], match[1] is None, text.count("\n", 0, match.start()) + 1, None
