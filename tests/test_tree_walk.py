"""codemods.tree_walk: the read-only walk gives libcst's own traversal, node for node."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst

from codemods import tree_walk
from migrate_agent.engine import migrate_source
from test_scaling import big_agent

GOLDEN = Path(__file__).parent / "golden"
LIBCST_SOURCES = sorted(Path(cst.__file__).parent.joinpath("_nodes").glob("*.py"))


class _Order(cst.CSTVisitor):
    """What libcst's own visit passes through: node entered, node left."""

    def __init__(self, skip: type | None = None) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []
        self.skip = skip

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("enter", id(node)))
        return not (self.skip is not None and isinstance(node, self.skip))

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("leave", id(original_node)))


def _trees() -> list[cst.Module]:
    sources = [p.read_bytes() for p in sorted(GOLDEN.glob("*/*/**/*.py"))] + [p.read_bytes() for p in LIBCST_SOURCES]
    trees = []
    for data in sources:
        try:
            trees.append(cst.parse_module(data))
        except cst.ParserSyntaxError:  # the golden cases hold a file that does not parse
            continue
    migrated = migrate_source("agent.py", big_agent(5))  # a tree the rules built, not the parser
    trees.append(cst.parse_module(migrated.after))
    return trees


TREES = _trees()


def test_preorder_is_libcsts_visit_order_with_each_subtree_a_slice() -> None:
    nodes_checked = 0
    for tree in TREES:
        expected = _Order()
        tree.visit(expected)
        found, ends = tree_walk.preorder(tree)
        assert [("enter", id(n)) for n in found] == [e for e in expected.events if e[0] == "enter"]
        for index, node in enumerate(found[:200]):  # a subtree is the slice up to where it ends
            inner, _ = tree_walk.preorder(node)
            assert [id(n) for n in inner] == [id(n) for n in found[index : ends[index]]]
        nodes_checked += len(found)
    assert nodes_checked > 100_000


def test_visit_calls_the_visitor_as_libcst_does_including_skipped_children() -> None:
    for tree in TREES:
        for skip in (None, cst.FunctionDef, cst.Call):
            expected, ours = _Order(skip), _Order(skip)
            tree.visit(expected)
            tree_walk.visit(tree, ours)
            assert ours.events == expected.events


def test_children_match_libcst_for_a_node_built_by_hand() -> None:
    call = cst.Call(func=cst.Attribute(value=cst.Name("a"), attr=cst.Name("b")), args=[cst.Arg(cst.Integer("1"))])
    assert [id(c) for c in tree_walk.children(call)] == [id(c) for c in call.children]


def test_deep_nesting_is_walked_without_recursion() -> None:
    depth = sys.getrecursionlimit() * 2
    expression: cst.BaseExpression = cst.Name("x")
    for _ in range(depth):
        expression = cst.UnaryOperation(operator=cst.Minus(), expression=expression)
    found, _ = tree_walk.preorder(expression)
    assert len(found) == 3 * depth + 1  # each operation, its operator and its whitespace; the name
