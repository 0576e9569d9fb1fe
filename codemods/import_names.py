"""Qualified names read from a module's import statements alone, without scope analysis.

libcst's QualifiedNameProvider needs scopes and expression contexts: as much work as the rest
of a file's metadata together. Where a tree was analysed once and then rewritten, the names of
the nodes the rewrite kept are known already; the few it made are named from the imports, which
is all the rewrite's own nodes need (they call what the migration imported).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods._syntax import dotted_name, find_all
from codemods.identity_analysis import qualified_names


class ImportedNames:
    """What the import statements of a module bind: local name -> the dotted names it stands for.

    Imports anywhere in the module count (in functions too), as libcst reports every assignment a
    name may come from. Relative imports keep their dots (`.retriever.IndexRetriever`), as
    QualifiedNameProvider writes them."""

    def __init__(self, module: cst.Module) -> None:
        self.bindings: dict[str, set[str]] = {}
        for statement in find_all(module, (cst.Import, cst.ImportFrom)):
            if isinstance(statement, cst.Import):
                for alias in statement.names:
                    full = alias.evaluated_name
                    if alias.asname is not None:
                        self._bind(alias.evaluated_alias, full)
                    else:
                        head = full.split(".")[0]
                        self._bind(head, head)
            elif not isinstance(statement.names, cst.ImportStar):
                dots = "." * len(statement.relative)
                source = dotted_name(statement.module) if statement.module is not None else ""
                prefix = f"{dots}{source}" if source else dots
                for alias in statement.names:
                    name = alias.evaluated_name
                    joined = f"{prefix}{name}" if prefix.endswith(".") or not prefix else f"{prefix}.{name}"
                    self._bind(alias.evaluated_alias or name, joined)

    def _bind(self, name: str, target: str) -> None:
        self.bindings.setdefault(name, set()).add(target)

    def names_of(self, node: cst.CSTNode) -> set[str]:
        """The dotted names an expression stands for, read as libcst reads them (through calls and
        subscripts: `WC().genie` is `databricks.sdk.WorkspaceClient.genie`); empty when no
        import binds its head (a local, a parameter: not a library's name)."""
        dotted = get_full_name_for_node(node)
        if dotted is None:
            return set()
        head, _, rest = dotted.partition(".")
        return {f"{target}.{rest}" if rest else target for target in self.bindings.get(head, ())}


def names_after_rewrite(
    analysed: Container[cst.CSTNode], resolved: Mapping, rewritten: cst.Module
) -> Callable[[cst.CSTNode], set[str]]:
    """Qualified names for the nodes of `rewritten`: for those the rewrite kept from the analysed
    tree (`analysed`: its nodes), `resolved` (its QualifiedNameProvider mapping); for the others,
    what the imports of `rewritten` bind."""
    imported: ImportedNames | None = None

    def names(node: cst.CSTNode) -> set[str]:
        nonlocal imported
        if node in analysed:
            return qualified_names(resolved, node)
        if imported is None:
            imported = ImportedNames(rewritten)
        return imported.names_of(node)

    return names
