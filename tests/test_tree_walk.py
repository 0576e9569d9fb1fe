"""codemods.analysis.tree_walk: the read-only walk gives libcst's children in source order, and nests
deeper than Python's recursion limit."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
from test_scaling import big_agent

from codemods.analysis import tree_walk
from migrate_agent.migrate.engine import migrate_source

GOLDEN = Path(__file__).parent / "golden"


def _trees() -> list[cst.Module]:
    trees = []
    for path in sorted(GOLDEN.glob("*/*/**/*.py")):
        try:
            trees.append(cst.parse_module(path.read_bytes()))
        except cst.ParserSyntaxError:  # the golden cases hold a file that does not parse
            continue
    trees.append(cst.parse_module(migrate_source("agent.py", big_agent(5)).after))
    return trees


def _libcst_preorder(tree: cst.CSTNode) -> list[cst.CSTNode]:
    """Every node under `tree`, parents first, children in the order `children` gives them."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node.children))
    return found


def test_preorder_gives_every_node_in_source_order_with_each_subtree_a_slice() -> None:
    checked = 0
    for tree in _trees():
        found, ends = tree_walk.preorder(tree)
        assert [id(n) for n in found] == [id(n) for n in _libcst_preorder(tree)]
        for index, node in enumerate(found[:200]):  # a subtree is the slice up to where it ends
            inner, _ = tree_walk.preorder(node)
            assert [id(n) for n in inner] == [id(n) for n in found[index : ends[index]]]
        checked += len(found)
    assert checked > 10_000


class _Events(cst.CSTVisitor):
    def __init__(self, skip: type | None = None) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []
        self.skip = skip

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("enter", id(node)))
        return not (self.skip is not None and isinstance(node, self.skip))

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("leave", id(original_node)))


def test_visit_calls_the_visitor_as_libcst_does_including_skipped_children() -> None:
    tree = cst.parse_module((GOLDEN / "predict_and_stream" / "input" / "agent.py").read_bytes())
    for skip in (None, cst.FunctionDef, cst.Call):
        expected, ours = _Events(skip), _Events(skip)
        tree.visit(expected)
        tree_walk.visit(tree, ours)
        assert ours.events == expected.events


def test_children_of_nodes_built_by_hand_with_a_node_in_two_fields() -> None:
    space = cst.SimpleWhitespace(" ")
    nodes = [
        cst.Call(func=cst.Attribute(value=cst.Name("a"), attr=cst.Name("b")), args=[cst.Arg(cst.Integer("1"))]),
        cst.BinaryOperation(
            left=cst.Name("x"),
            operator=cst.Add(whitespace_before=space, whitespace_after=space),
            right=cst.Name("y"),
            lpar=[cst.LeftParen()],
            rpar=[cst.RightParen()],
        ),
        cst.Name("leaf"),
    ]
    for node in nodes:
        for inner in _libcst_preorder(node):
            assert [id(c) for c in tree_walk.children(inner)] == [id(c) for c in inner.children]


def test_deep_nesting_is_walked_without_recursion() -> None:
    depth = sys.getrecursionlimit() * 2
    expression: cst.BaseExpression = cst.Name("x")
    for _ in range(depth):
        expression = cst.UnaryOperation(operator=cst.Minus(), expression=expression)
    found, _ = tree_walk.preorder(expression)
    assert len(found) == 3 * depth + 1  # each operation, its operator and its whitespace; the name
    entered = _Events()
    tree_walk.visit(expression, entered)
    assert len(entered.events) == 2 * len(found)
