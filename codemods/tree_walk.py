"""Walking a libcst tree without rebuilding it.

libcst's `node.visit(visitor)` rebuilds every node it passes (each `_visit_and_replace_children`
constructs and validates a new node), even for a visitor that changes nothing: several times
the cost of reading the fields. A read-only walk only needs each node's children in source order.
They are the node's fields, in the order libcst's own `_visit_and_replace_children` passes them
to the constructor: that order is read once per node class from the keyword names of its code.
A class whose order cannot be read, or whose order disagrees with libcst's own `children` the
first time it is met, is walked through `children` (libcst's slow but authoritative answer).
"""

from __future__ import annotations

import dataclasses
import libcst as cst
from libcst import MaybeSentinel
from libcst._nodes.base import BaseLeaf

_FIELDS: dict[type, tuple[str, ...] | None] = {}  # node class -> its child fields in source order
_UNKNOWN = object()


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's direct children, in source order (what libcst's `node.children` returns)."""
    fields = _FIELDS.get(type(node), _UNKNOWN)
    if fields is _UNKNOWN:
        fields = _learn(node)
    if fields is None:
        return list(node.children)
    found: list[cst.CSTNode] = []
    for name in fields:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                if isinstance(item, cst.CSTNode):
                    found.append(item)
        elif kind not in _NOT_NODES and isinstance(value, cst.CSTNode):
            found.append(value)
    return found


# Field values that are not nodes. Tested by type first: `isinstance(x, CSTNode)` is an ABC check
# that, the first time it meets a type that is not a node, walks all ~350 node classes.
_NOT_NODES = frozenset({str, type(None), bool, int, MaybeSentinel})


def _learn(node: cst.CSTNode) -> tuple[str, ...] | None:
    """Read the class's field order, and check it on its first node against libcst's answer."""
    cls = type(node)
    fields = _FIELDS[cls] = _source_order(cls)
    if fields is not None and [id(c) for c in children(node)] != [id(c) for c in node.children]:
        fields = _FIELDS[cls] = None  # libcst builds this class differently: ask it each time
    return fields


def _source_order(cls: type) -> tuple[str, ...] | None:
    """The keyword names `_visit_and_replace_children` builds `cls` with, when one tuple of them
    names exactly the class's fields; () for a leaf (it returns itself: no children)."""
    method = getattr(cls, "_visit_and_replace_children", None)
    if method is BaseLeaf._visit_and_replace_children:
        return ()
    code = getattr(method, "__code__", None)
    if code is None or not dataclasses.is_dataclass(cls):
        return None
    names = {field.name for field in dataclasses.fields(cls)}
    keywords = [
        const for const in code.co_consts
        if isinstance(const, tuple) and const and all(isinstance(item, str) for item in const)
        and set(const) == names
    ]
    return keywords[0] if len(keywords) == 1 else None


def preorder(tree: cst.CSTNode) -> tuple[list[cst.CSTNode], list[int]]:
    """(every node under `tree` in source order, where each one's subtree ends in that list).

    Iterative, so nesting depth is not bounded by Python's recursion limit."""
    found: list[cst.CSTNode] = []
    ends: list[int] = []
    stack: list[tuple[cst.CSTNode, int]] = [(tree, -1)]  # (node, -1) to enter; (node, index) to leave
    push, pop = stack.append, stack.pop
    while stack:
        node, index = pop()
        if index >= 0:
            ends[index] = len(found)
            continue
        index = len(found)
        found.append(node)
        ends.append(0)
        push((node, index))
        for child in reversed(children(node)):
            push((child, -1))
    return found, ends


def visit(tree: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """Run a read-only CSTVisitor over `tree` as `tree.visit(visitor)` would (visit_/leave_
    methods, a False from a visit_ method skips the children), without rebuilding the tree.
    Attribute hooks (`visit_<Node>_<field>`) are not called."""
    stack: list[tuple[cst.CSTNode, bool]] = [(tree, False)]
    push, pop = stack.append, stack.pop
    while stack:
        node, leaving = pop()
        if leaving:
            visitor.on_leave(node)
            continue
        descend = visitor.on_visit(node)
        push((node, True))
        if descend:
            for child in reversed(children(node)):
                push((child, False))

