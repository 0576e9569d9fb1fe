"""MA006: syntax Python 3.11 (Databricks Apps) rejects is found on the tree, on any interpreter."""

from __future__ import annotations

import ast
import sys

import libcst as cst
import pytest

from codemods.python_version import newer_syntax

# (source, needs Python 3.12+)
SAMPLES = [
    ('f"{a["b"]}"', True),
    ("f'{a['b']}'", True),
    ('f"{x:{"a"}}"', True),
    ('f"{"\\n".join(x)}"', True),
    ('f"{f"{x}"}"', True),
    ('f"{x # note\n}"', True),
    ('f"{\nx}"', True),
    ("type Pair = tuple[int, int]", True),
    ("def first[T](items: list[T]) -> T: ...", True),
    ("class Box[T]: ...", True),
    ("f\"{a['b']}\"", False),
    ('f"""{a["b"]}"""', False),
    ("f'{x!r:>{width}}'", False),
    ("f'{\"#\"}'", False),
    ('rf"{a}\\d"', False),
    ("f'{f\"{x}\"}'", False),
    ('f"""{\nx\n}"""', False),
    ("try:\n    pass\nexcept* ValueError:\n    pass", False),
]


def flagged(source: str) -> bool:
    module = cst.parse_module(source + "\n")
    found: list[str] = []

    class Find(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if newer_syntax(node):
                found.append(newer_syntax(node))
            return True

    module.visit(Find())
    return bool(found)


@pytest.mark.parametrize(("source", "newer"), SAMPLES)
def test_newer_syntax_is_found(source: str, newer: bool) -> None:
    assert flagged(source) is newer


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="compares with Python 3.11's own parser")
@pytest.mark.parametrize(("source", "newer"), SAMPLES)
def test_agrees_with_python_311(source: str, newer: bool) -> None:
    try:
        ast.parse(source)
        accepted = True
    except SyntaxError:
        accepted = False
    assert accepted is not newer
