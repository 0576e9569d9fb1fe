"""Walking a libcst tree to read it: iterative, on libcst's public node API.

libcst's own `node.visit(visitor)` recurses once per level of nesting, and rebuilds every node it
passes even for a visitor that changes nothing. Reading a tree needs neither: these walks keep
their own stack (an agent with a 500-term `'a' + 'b' + ...` or a 500-branch `elif` chain nests
deeper than Python's recursion limit allows) and only ask each node for its children.

libcst's `node.children` gives them in source order, but builds a copy of the node to find them.
The children are the node's dataclass fields that hold nodes, so they are read from the fields,
in the order `node.children` gave for the first node of the same class with the same fields
set (a field left empty, `None` or `MaybeSentinel` holds no child). Where that order cannot be
matched to the fields, the class is asked through `node.children` each time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}  # node class -> its dataclass fields
# (node class, *the fields holding nodes) -> their indices among those fields in source order;
# None: ask libcst
_ORDER: dict[tuple, tuple[int, ...] | None] = {}
# Field values that are not nodes. Tested by type first: `isinstance(x, CSTNode)` is an ABC check
# that, the first time it meets a type that is not a node, walks all the node classes.
_NOT_NODES = frozenset({str, type(None), bool, int, cst.MaybeSentinel})
_UNKNOWN = object()
_Node = cst.CSTNode


def children(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    """The node's direct children, in source order (what libcst's `node.children` returns)."""
    cls = type(node)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(field.name for field in dataclasses.fields(cls))
    held: list[tuple[str, Sequence[cst.CSTNode]]] = []  # (field, its nodes), fields in class order
    for name in names:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            if value:
                held.append((name, value))
        elif kind not in _NOT_NODES and isinstance(value, _Node):
            held.append((name, (value,)))
    key = (cls, *[name for name, _ in held])
    order = _ORDER.get(key, _UNKNOWN)
    if order is _UNKNOWN:
        order = _ORDER[key] = _source_order(node, held)
    if order is None:
        return node.children
    return [child for index in order for child in held[index][1]]


def _source_order(node: cst.CSTNode, held: list[tuple[str, Sequence[cst.CSTNode]]]) -> tuple[int, ...] | None:
    """Indices into `held` in the order libcst's `node.children` lists their nodes; None when its
    children are not those nodes, field after field."""
    expected = node.children
    order: list[int] = []
    at = 0
    while len(order) < len(held):
        index = next(
            (index for index, (_, nodes) in enumerate(held)
             if index not in order and len(nodes) <= len(expected) - at
             and all(a is b for a, b in zip(nodes, expected[at : at + len(nodes)]))),
            None,
        )
        if index is None:
            return None
        order.append(index)
        at += len(held[index][1])
    return tuple(order) if at == len(expected) else None


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
    methods, a False from a visit_ method skips the children), without recursion and without
    rebuilding the tree. Attribute hooks (`visit_<Node>_<field>`) are not called."""
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
