"""Databricks source notebooks: `# Databricks notebook source`, cells split by
`# COMMAND ----------`, magic cells whose every line is `# MAGIC <line>` or a bare `# MAGIC`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrate_agent.discover.discovery import SOURCE_NOTEBOOK_HEADER

HEADER = SOURCE_NOTEBOOK_HEADER
SEPARATOR = "# COMMAND ----------"
_MAGIC = re.compile(r"^# MAGIC(?: |(?=\r?\n|\r|$))")


def is_source_notebook(text: str) -> bool:
    return text.lstrip("\ufeff").startswith(HEADER)


@dataclass
class SourceCell:
    index: int  # 0-based cell number
    first: int  # index of the cell's first content line in the file's lines
    last: int  # index of its last content line (inclusive); last < first: empty cell
    magic: bool  # every content line is `# MAGIC ...`

    def content(self, lines: list[str]) -> list[str]:
        return lines[self.first : self.last + 1]


def split_cells(lines: list[str]) -> list[SourceCell]:
    """The cells of a source notebook (lines with their endings), without the header, the
    `# DBTITLE` line and the blank lines around each cell."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for index, line in enumerate(lines):
        if line.strip() == SEPARATOR:
            bounds.append((start, index))
            start = index + 1
    bounds.append((start, len(lines)))
    cells = []
    for number, (begin, end) in enumerate(bounds):
        while begin < end and (
            not lines[begin].strip()
            or lines[begin].strip() == HEADER
            or lines[begin].startswith("# DBTITLE")
        ):
            begin += 1
        while end > begin and not lines[end - 1].strip():
            end -= 1
        magic = end > begin and all(_MAGIC.match(line) for line in lines[begin:end])
        cells.append(SourceCell(number, begin, end - 1, magic))
    return cells


def unprefix(line: str) -> str:
    """`# MAGIC foo` -> `foo`, `# MAGIC` -> `` (line ending kept)."""
    match = _MAGIC.match(line)
    return line[match.end() :] if match else line


def blank_prefix(lines: list[str]) -> str:
    """How this cell writes an empty magic line: `# MAGIC` (Databricks' export) or `# MAGIC `."""
    for line in lines:
        if line.rstrip("\r\n") == "# MAGIC ":
            return "# MAGIC "
    return "# MAGIC"


def prefix(line: str, blank: str) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    return (f"# MAGIC {body}" if body else blank) + ending
