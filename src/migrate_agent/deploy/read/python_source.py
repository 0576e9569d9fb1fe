"""One parsed Python file of the project, indexed for static reading (never imported or run).

Besides the libcst tree it records, for every name, the statements that bind or change it
(assignments, `+=`, `.append(...)`, `d[k] = v`, imports, parameters...), in source order and per
scope, and tells whether a statement runs for sure before another one (it is not under a branch
or loop that the other is outside of).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider, QualifiedNameProvider

from codemods.analysis import tree_walk
from codemods.analysis.syntax import dotted_name

# Methods whose call as a statement changes the list / dict a name holds.
MUTATING_METHODS = frozenset({"append", "extend", "insert", "update", "setdefault", "pop", "remove", "clear"})

_SCOPE_NODES = (cst.FunctionDef, cst.ClassDef, cst.Module)


@dataclass(frozen=True)
class Binding:
    """A statement that gives `name` a value or changes it."""

    name: str
    kind: str  # assign | augassign | mutate | setitem | import | module | opaque
    statement: cst.CSTNode  # for position and branch checks
    value: cst.CSTNode | None = None  # assigned expression / mutating call / subscript target
    detail: Any = None  # operator, import spec (module, level, name), or the reason it is opaque


class ParsedFile:
    """A project file parsed with libcst, with positions, qualified names and its bindings."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path  # project-relative POSIX path
        self.module = cst.parse_module(text)
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self._positions = wrapper.resolve(PositionProvider)
        self._parents = wrapper.resolve(ParentNodeProvider)
        self._qualified = wrapper.resolve(QualifiedNameProvider)
        self._bindings: dict[tuple[int, str], list[Binding]] = {}
        tree_walk.visit(self.module, _BindingCollector(self))  # read only: no rebuilt tree

    # -- positions and text -------------------------------------------------------------
    def line(self, node: cst.CSTNode) -> int:
        return self._positions[node].start.line

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self._positions[node].start
        return (start.line, start.column)

    def code(self, node: cst.CSTNode, limit: int = 80) -> str:
        text = " ".join(self.module.code_for_node(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        found = self._qualified.get(node, set())
        if callable(found):  # libcst hands qualified names out lazily
            found = found()
        return {q.name for q in found}

    # -- structure --------------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def scope_of(self, node: cst.CSTNode) -> cst.CSTNode:
        current = self.parent(node)
        while current is not None and not isinstance(current, _SCOPE_NODES):
            current = self.parent(current)
        return current if current is not None else self.module

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The small or compound statement that holds `node`."""
        current: cst.CSTNode | None = node
        while current is not None and not isinstance(
            current, (cst.BaseSmallStatement, cst.BaseCompoundStatement)
        ):
            current = self.parent(current)
        return current if current is not None else node

    def regions(self, node: cst.CSTNode) -> frozenset[tuple[int, str]]:
        """The branches and loop bodies `node` sits in: it runs only if each of them runs."""
        found: set[tuple[int, str]] = set()
        child, parent = node, self.parent(node)
        while parent is not None:
            branch = _branch_of(parent, child)
            if branch is not None:
                found.add((id(parent), branch))
            child, parent = parent, self.parent(parent)
        return frozenset(found)

    def bindings(self, scope: cst.CSTNode, name: str) -> list[Binding]:
        return self._bindings.get((id(scope), name), [])

    def add_binding(self, scope: cst.CSTNode, binding: Binding) -> None:
        self._bindings.setdefault((id(scope), binding.name), []).append(binding)


def _branch_of(parent: cst.CSTNode, child: cst.CSTNode) -> str | None:
    """Which conditional part of `parent` `child` is, if any (a `with` or `try` body is not)."""
    if isinstance(parent, (cst.If, cst.For, cst.While)):
        if child is parent.body:
            return "body"
        if child is parent.orelse:
            return "orelse"
    if isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase)) and child is parent.body:
        return "body"
    if isinstance(parent, (cst.Try, cst.TryStar)) and child is parent.orelse:
        return "orelse"
    return None


class _BindingCollector(cst.CSTVisitor):
    def __init__(self, parsed: ParsedFile) -> None:
        self._file = parsed
        self._scopes: list[cst.CSTNode] = [parsed.module]

    def _add(self, name: str, kind: str, statement: cst.CSTNode, value=None, detail=None) -> None:
        self._file.add_binding(self._scopes[-1], Binding(name, kind, statement, value, detail))

    def _opaque_targets(self, target: cst.BaseExpression, statement: cst.CSTNode, why: str) -> None:
        if isinstance(target, cst.Name):
            self._add(target.value, "opaque", statement, detail=why)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._opaque_targets(element.value, statement, why)
        elif isinstance(target, cst.StarredElement):
            self._opaque_targets(target.value, statement, why)

    # scopes
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._add(node.name.value, "opaque", node, detail="a function")
        self._scopes.append(node)
        params = node.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for param in every:
            self._add(param.name.value, "opaque", node, detail="a function parameter")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._add(node.name.value, "opaque", node, detail="a class")
        self._scopes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ListComp(self, node: cst.ListComp) -> bool:
        return False

    def visit_SetComp(self, node: cst.SetComp) -> bool:
        return False

    def visit_DictComp(self, node: cst.DictComp) -> bool:
        return False

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        return False

    # bindings
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value, node)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, statement: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self._add(target.value, "assign", statement, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            same_shape = isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(target.elements)
            plain = all(not isinstance(e, cst.StarredElement) for e in target.elements)
            if same_shape and plain:
                for t, v in zip(target.elements, value.elements):
                    self._bind(t.value, v.value, statement)
            else:
                self._opaque_targets(target, statement, "unpacked from a value")
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self._add(target.value.value, "setitem", statement, target, detail=value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._add(node.target.value, "augassign", node, node.value, type(node.operator).__name__)

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and isinstance(call.func.value, cst.Name)
            and call.func.attr.value in MUTATING_METHODS
        ):
            self._add(call.func.value.value, "mutate", node, call, call.func.attr.value)

    def visit_For(self, node: cst.For) -> None:
        self._opaque_targets(node.target, node, "a loop variable")

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._opaque_targets(node.asname.name, node, "bound by a `with` statement")

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._opaque_targets(node.target, node, "assigned inside an expression")

    def visit_Del(self, node: cst.Del) -> None:
        self._opaque_targets(node.target, node, "deleted")

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._add(alias.asname.name.value, "module", node, detail=full)
            else:
                head = full.split(".")[0]
                self._add(head, "module", node, detail=head)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        for alias in node.names:
            imported = dotted_name(alias.name) or ""
            local = imported
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self._add(local, "import", node, detail=(module or "", level, imported))
