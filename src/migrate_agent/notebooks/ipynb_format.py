"""Jupyter notebooks (nbformat 4) read with the position of every JSON value, so a rewritten
cell source is spliced into the original text and every other byte stays as it was."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Any

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")


class NotebookFormatError(ValueError):
    """Not a notebook this tool can read."""


@dataclass
class Node:
    """One JSON value: where it is in the text, its Python value, and its members' nodes."""

    start: int
    end: int
    value: Any
    members: dict[str, "Node"] | list["Node"] = field(default_factory=list)


def scan(text: str) -> Node:
    node, end = _value(text, _skip(text, 0))
    if _skip(text, end) != len(text):
        raise NotebookFormatError(f"extra data at offset {end}")
    return node


def _skip(text: str, index: int) -> int:
    return _WHITESPACE.match(text, index).end()


def _value(text: str, index: int) -> tuple[Node, int]:
    if index >= len(text):
        raise NotebookFormatError("unexpected end of the notebook")
    char = text[index]
    if char == '"':
        value, end = scanstring(text, index + 1)
        return Node(index, end, value), end
    if char == "{":
        members: dict[str, Node] = {}
        position = _skip(text, index + 1)
        if text.startswith("}", position):
            return Node(index, position + 1, {}, members), position + 1
        while True:
            if not text.startswith('"', position):
                raise NotebookFormatError(f"expected a key at offset {position}")
            key, position = scanstring(text, position + 1)
            position = _skip(text, position)
            if not text.startswith(":", position):
                raise NotebookFormatError(f"expected ':' at offset {position}")
            member, position = _value(text, _skip(text, position + 1))
            members[key] = member
            position = _skip(text, position)
            if text.startswith(",", position):
                position = _skip(text, position + 1)
                continue
            if text.startswith("}", position):
                value = {k: v.value for k, v in members.items()}
                return Node(index, position + 1, value, members), position + 1
            raise NotebookFormatError(f"expected ',' or '}}' at offset {position}")
    if char == "[":
        items: list[Node] = []
        position = _skip(text, index + 1)
        if text.startswith("]", position):
            return Node(index, position + 1, [], items), position + 1
        while True:
            item, position = _value(text, position)
            items.append(item)
            position = _skip(text, position)
            if text.startswith(",", position):
                position = _skip(text, position + 1)
                continue
            if text.startswith("]", position):
                return Node(index, position + 1, [i.value for i in items], items), position + 1
            raise NotebookFormatError(f"expected ',' or ']' at offset {position}")
    match = _SCALAR.match(text, index)
    if match is None:
        raise NotebookFormatError(f"unexpected character at offset {index}")
    return Node(index, match.end(), json.loads(match.group())), match.end()


@dataclass
class CodeCell:
    index: int  # position among all cells
    source: Node  # the cell's "source" value (a string or a list of strings)

    @property
    def text(self) -> str:
        value = self.source.value
        return value if isinstance(value, str) else "".join(value)


def code_cells(root: Node) -> list[CodeCell]:
    if not isinstance(root.members, dict) or not isinstance(root.members.get("cells"), Node):
        raise NotebookFormatError("no cells")
    if root.value.get("nbformat") != 4:
        raise NotebookFormatError(f"nbformat {root.value.get('nbformat')!r} (only 4 is read)")
    found = []
    for index, cell in enumerate(root.members["cells"].members):
        if not isinstance(cell.members, dict):
            continue
        source = cell.members.get("source")
        if cell.value.get("cell_type") == "code" and source is not None:
            if isinstance(source.value, str) or all(isinstance(s, str) for s in source.value):
                found.append(CodeCell(index, source))
    return found


def writes_ascii_only(text: str) -> bool:
    """Whether the file escapes non-ASCII characters (`ensure_ascii=True`); Jupyter does not."""
    return not any(ord(char) > 127 for char in text) and bool(_UNICODE_ESCAPE.search(text))


def render_source(text: str, cell: CodeCell, new: str) -> str:
    """The JSON for `new` as this cell's source, in the layout its old source had."""
    ascii_only = writes_ascii_only(text)
    if isinstance(cell.source.value, str):
        return json.dumps(new, ensure_ascii=ascii_only)
    items = [json.dumps(line, ensure_ascii=ascii_only) for line in new.splitlines(keepends=True)]
    old = cell.source.members
    if not old:
        return "[" + ", ".join(items) + "]"
    opening = text[cell.source.start + 1 : old[0].start]
    closing = text[old[-1].end : cell.source.end - 1]
    between = text[old[0].end : old[1].start] if len(old) > 1 else "," + opening
    return "[" + opening + between.join(items) + closing + "]" if items else "[]"


def splice(text: str, changes: dict[int, str], cells: list[CodeCell]) -> str:
    """`text` with the source of each code cell (by position) in `changes` replaced."""
    out = []
    position = 0
    for cell in sorted(cells, key=lambda c: c.source.start):
        if cell.index not in changes or changes[cell.index] == cell.text:
            continue
        out.append(text[position : cell.source.start])
        out.append(render_source(text, cell, changes[cell.index]))
        position = cell.source.end
    out.append(text[position:])
    return "".join(out)
