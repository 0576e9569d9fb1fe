"""Syntax that Python 3.11 (the Databricks Apps runtime) rejects, found on libcst nodes.

libcst parses newer grammar than the interpreter may; `ast.parse(..., feature_version=(3, 11))`
on Python 3.12+ does not reject PEP 701 f-strings, so the check is made here, on the tree,
the same on every interpreter. It is the only one: MA006 marks the rules' files with it and
`migrate_agent.migrate.python_version` checks the helper modules the agent imports with it.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.analysis.syntax import find_all

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


def verdict(problems) -> str:
    """MA006's message for what a statement (or a module) holds that Python 3.11 cannot parse."""
    return (
        f"{'; '.join(dict.fromkeys(problems))}: Databricks Apps runs Python {TARGET}, where "
        "this does not parse; rewrite it for 3.11"
    )


def first_newer_syntax(module: cst.Module) -> tuple[str, int] | None:
    """The first construct of `module` that needs Python 3.12+ and its line, or None."""
    finder = _FirstNewer()
    MetadataWrapper(module, unsafe_skip_copy=True).visit(finder)
    return finder.found


class _FirstNewer(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.found: tuple[str, int] | None = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.found is not None:
            return False
        problem = newer_syntax(node)
        if problem:
            self.found = (problem, self.get_metadata(PositionProvider, node).start.line)
        return problem is None


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
