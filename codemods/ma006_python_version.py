"""MA006: syntax newer than Python 3.11, the Databricks Apps runtime, is flagged where it is."""

from __future__ import annotations

import libcst as cst

from codemods._base import MigrationRule, with_todo
from codemods.analysis.python_version import TARGET, newer_syntax, verdict


class PythonVersion(MigrationRule):
    """MA006 python-version: Databricks Apps runs Python 3.11. Code that needs a newer Python
    (PEP 701 f-strings such as `f"{row["name"]}"`, a `type X = ...` statement or type parameters
    `def f[T]()` from PEP 695) does not even import there. Each statement holding such syntax is
    marked with a TODO and listed as a manual step: rewrite it for Python 3.11 (another quote
    inside the f-string, a TypeVar, a plain alias). Found statically; the code is not run."""

    RULE_ID = "MA006"
    DESCRIPTION = f"Flag syntax that Python {TARGET} (Databricks Apps) cannot run."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        if not self.analysis.newer_syntax:
            return tree
        first = tree.body[0] if tree.body else None
        return tree.visit(_Marker(self, first, tree.header))


class _Marker(cst.CSTTransformer):
    """Marks the innermost statement holding each construct, once per statement."""

    def __init__(self, rule: PythonVersion, first: cst.CSTNode | None, header) -> None:
        super().__init__()
        self._rule = rule
        self._first, self._header = first, header  # the module's first statement, the lines above it
        self._found: list[list[str]] = []  # per open statement: what it holds

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self._found.append([])
        problem = newer_syntax(node)
        if problem and self._found:
            self._found[-1].append(problem)
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        if not isinstance(original_node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return updated_node
        problems = self._found.pop()
        if not problems:
            return updated_node
        message = verdict(problems)
        self._rule.report(message)
        above = self._header if original_node is self._first else ()
        return with_todo(updated_node, self._rule.RULE_ID, message, above)
