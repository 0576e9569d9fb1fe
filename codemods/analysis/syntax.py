"""Small questions about syntax that several rules and analyses ask."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

import libcst as cst

from codemods.analysis.tree_walk import preorder


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

    A plain type test over one read-only walk (codemods.analysis.tree_walk), shared by every
    subtree of the tree walked.
    """
    found = _found
    if found is not None and (node, types) in found:
        return list(found[node, types])
    nodes, start, end, _ = _walk(node)
    result = [n for n in nodes[start:end] if isinstance(n, types)]
    if found is not None:
        found[node, types] = result
        return list(result)
    return result


def innermost(tree: cst.CSTNode, kind: type) -> dict:
    """For every node under `tree`, the innermost `kind` node holding it (None: none does)."""
    nodes, start, end, ends = _walk(tree)
    owners: dict = {}
    open_: list[tuple[int, cst.CSTNode]] = []  # (where its subtree ends, node), innermost last
    for index in range(start, end):
        while open_ and open_[-1][0] <= index:
            open_.pop()
        node = nodes[index]
        owners[node] = open_[-1][1] if open_ else None
        if isinstance(node, kind):
            open_.append((ends[index], node))
    return owners


def _walk(node: cst.CSTNode) -> tuple[list, int, int, list[int]]:
    """(nodes in source order, where `node`'s subtree starts and ends in them, where each one's
    subtree ends): read from a shared walk that covered `node`, else walked now."""
    walks = _walks
    span = walks.get(node) if walks is not None else None
    if span is not None:
        return span
    nodes, ends = preorder(node)
    if walks is not None:  # every subtree is a slice of this walk: none is walked again
        for index, inner in enumerate(nodes):
            walks[inner] = (nodes, index, ends[index], ends)
    return nodes, 0, len(nodes), ends


_walks: dict | None = None
_found: dict | None = None


@contextmanager
def shared_walks() -> Iterator[None]:
    """Within this block a tree is walked once: find_all on it, or on any node in it, reads that
    walk (analyses ask about the same statements many times), and each question is answered
    once. The walks end with the block."""
    global _walks, _found
    previous = _walks, _found
    _walks, _found = {}, {}
    try:
        yield
    finally:
        _walks, _found = previous


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


def module_names(path: str) -> set[str]:
    """Dotted names a project file can be imported as: `pkg/agent.py` -> pkg.agent, agent."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return {".".join(parts[i:]) for i in range(len(parts))} - {""}


def ast_imported_module(importer: str, node: ast.ImportFrom) -> str:
    """The module a `from ... import` in the project file `importer` reads, relative imports
    resolved against the file's folder (`from .tools import x` in pkg/agent.py: pkg.tools)."""
    if not node.level:
        return node.module or ""
    package = list(PurePosixPath(importer).parent.parts)
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def is_docstring(statement: cst.CSTNode) -> bool:
    """Whether `statement` is a docstring (a lone string literal; the first in its block)."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString)
    )
