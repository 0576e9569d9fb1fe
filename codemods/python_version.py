"""Syntax that Python 3.11 (the Databricks Apps runtime) rejects, found on libcst nodes.

libcst parses newer grammar than the interpreter may; `ast.parse(..., feature_version=(3, 11))`
on Python 3.12+ does not reject PEP 701 f-strings, so the check is made here, on the tree,
the same on every interpreter.
"""

from __future__ import annotations

import libcst as cst

from codemods._syntax import find_all

TARGET = "3.11"
_EMPTY = cst.Module(body=[])


def newer_syntax(node: cst.CSTNode) -> str | None:
    """What in `node` itself needs Python 3.12+ (not its children), or None."""
    if isinstance(node, cst.FormattedString):
        return _f_string_problem(node)
    if isinstance(node, cst.TypeAlias):
        return "a `type X = ...` statement (PEP 695, Python 3.12+)"
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.type_parameters is not None:
        return f"type parameters on `{node.name.value}[...]` (PEP 695, Python 3.12+)"
    if type(node).__name__ in ("TemplatedString",):
        return "a template string t\"...\" (PEP 750, Python 3.14+)"
    return None


def _f_string_problem(node: cst.FormattedString) -> str | None:
    quote = node.start.lstrip("rRfFbBuU")
    for part in _replacement_fields(node.parts):
        code = _EMPTY.code_for_node(part.expression)
        if quote in code:
            return f"an f-string that reuses its quote {quote} inside {{...}} (PEP 701, Python 3.12+)"
        if "\\" in code:
            return "an f-string with a backslash inside {...} (PEP 701, Python 3.12+)"
        if find_all(part, cst.Comment):
            return "an f-string with a comment inside {...} (PEP 701, Python 3.12+)"
        if len(quote) == 1 and "\n" in _EMPTY.code_for_node(part):
            return "a one-line f-string whose {...} spans lines (PEP 701, Python 3.12+)"
    return None


def _replacement_fields(parts):
    for part in parts:
        if isinstance(part, cst.FormattedStringExpression):
            yield part
            if part.format_spec:
                yield from _replacement_fields(part.format_spec)
