"""Small questions about syntax that several rules and analyses ask."""

from __future__ import annotations

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
