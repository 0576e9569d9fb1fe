"""Small questions about syntax that several rules and analyses ask."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import ast

import libcst as cst


def positional_params(function: cst.FunctionDef) -> list[cst.Param]:
    """Positional parameters, positional-only ones first (`self` first in a method)."""
    return [*function.params.posonly_params, *function.params.params]


def receiver(function: cst.FunctionDef) -> str | None:
    """The name a method calls its instance (`self`), or None when it takes no parameter."""
    params = positional_params(function)
    return params[0].name.value if params else None


def import_roots(node: cst.Import | cst.ImportFrom) -> set[str]:
    """Top-level packages an import statement imports; relative imports name none."""
    if isinstance(node, cst.Import):
        return {alias.evaluated_name.split(".")[0] for alias in node.names}
    if node.relative or node.module is None:
        return set()
    return {cst.helpers.get_full_name_for_node(node.module).split(".")[0]}


def find_all(node: cst.CSTNode, types: type | tuple[type, ...]) -> list:
    """`node` and its descendants that are instances of `types`, in source order.

    What ``libcst.matchers.findall`` does for a plain type test, without importing the matchers
    (~0.15 s) or testing a matcher at every node.
    """
    cache = _descendants_cache
    nodes = cache.get(node) if cache is not None else None
    if nodes is None:
        collector = _Collector()
        node.visit(collector)
        nodes = collector.found
        if cache is not None:
            cache[node] = nodes
    return [n for n in nodes if isinstance(n, types)]


_descendants_cache: dict | None = None


@contextmanager
def shared_walks() -> Iterator[None]:
    """Within this block find_all walks each node once (analyses ask about the same statements
    several times); the walks are forgotten when it ends."""
    global _descendants_cache
    previous, _descendants_cache = _descendants_cache, {}
    try:
        yield
    finally:
        _descendants_cache = previous


def single_name_assign(statement: cst.CSTNode) -> cst.Assign | None:
    """The assignment of `NAME = value` written as a statement line of its own, else None."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name):
        return assign
    return None


def is_name(node: cst.CSTNode, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.found.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        pass


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name / Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted_name(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def ast_dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for an `ast` Name / Attribute chain, else None (the same as `dotted_name`)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = ast_dotted_name(node.value)
        return f"{head}.{node.attr}" if head else None
    return None
