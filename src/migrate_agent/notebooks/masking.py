"""Hide notebook-only lines from the Python parser, keeping line numbers, and put them back.

A hidden line becomes a placeholder line; `Masked.restore` swaps each one back for the original
line, or for a replacement (a rewritten %%writefile body, a guarded test cell), and refuses a
text that lost one. Placeholders before the first line of code are comments (the module's
header, which libcst never moves, so new imports go after them); later ones are statements
`_migrate_agent_keep_(<n>)`, which a rule that removes a statement cannot take along with it as
it would a comment.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(
    r"^[ \t]*(?:# migrate-agent-keep:(\d+)|_migrate_agent_keep_\((\d+)\))[ \t]*(?:\r\n|\n|\r)?$"
)
NEWLINES = ("\r\n", "\n", "\r")


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where Python splits them (not at form feeds etc.)."""
    return _LINE.findall(text)


def line_ending(line: str) -> str:
    for newline in NEWLINES:
        if line.endswith(newline):
            return newline
    return ""


def raw_magic_lines(lines: list[str]) -> set[int]:
    """Indices of IPython/Databricks line magics (`%pip ...`, `!ls`) in a Python cell, with the
    lines a trailing backslash continues them onto."""
    found: set[int] = set()
    continued = False
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if continued or body.startswith(("%", "!")):
            found.add(index)
            continued = body.endswith("\\")
    return found


def is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


class Masked:
    """Python text built line by line, some lines hidden behind placeholders."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.kept: dict[int, str] = {}
        self._code_seen = False

    def add(self, line: str, hide: bool = False) -> int | None:
        if not hide:
            self._code_seen = self._code_seen or is_code(line)
            self.lines.append(line)
            return None
        number = len(self.kept)
        self.kept[number] = line
        ending = line_ending(line) or "\n"
        if self._code_seen:
            self.lines.append(f"_migrate_agent_keep_({number}){ending}")
        else:
            self.lines.append(f"# migrate-agent-keep:{number}{ending}")
        return number

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def restore(self, text: str, replacements: dict[int, str] | None = None) -> str | None:
        """`text` (the masked text, maybe rewritten) with every hidden line back; None if a
        placeholder went missing or appears twice."""
        replacements = replacements or {}
        out: list[str] = []
        seen: list[int] = []
        for line in split_lines(text):
            match = _PLACEHOLDER.match(line)
            if match is None:
                out.append(line)
                continue
            number = int(match.group(1) or match.group(2))
            seen.append(number)
            out.append(replacements.get(number, self.kept.get(number, line)))
        if sorted(seen) != list(self.kept):
            return None
        return "".join(out)
