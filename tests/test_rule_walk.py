"""MigrationRule.walk with `wanted`: only the paths down to the nodes a rule may change are
rebuilt; the rest of the tree is the same objects, and the result equals a full walk's."""

from __future__ import annotations

import libcst as cst

from codemods._base import MigrationRule
from codemods._context import RuleContext

SOURCE = """\
class Agent:
    def predict(self, request):
        items = [self.create_text_output_item("a", "b")]
        return helper(items)

    def other(self):
        return self.name.upper()


def helper(items):
    return list(items)
"""


class _Rename(MigrationRule):
    """Renames `self.create_text_output_item` to `create_text_output_item`; counts its visits."""

    RULE_ID = "MA999"

    def __init__(self) -> None:
        super().__init__(RuleContext())
        self.visited: list[str] = []
        self.left: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.visited.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self.left.append(original_node.name.value)
        return updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if updated_node.attr.value == "create_text_output_item":
            return cst.Name("create_text_output_item")
        return updated_node


def _wanted(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "create_text_output_item"


def test_pruned_walk_changes_what_a_full_walk_changes_and_keeps_the_rest() -> None:
    module = cst.parse_module(SOURCE)
    full = _Rename().walk(module)
    pruned_rule = _Rename()
    pruned = pruned_rule.walk(module, wanted=_wanted)
    assert pruned.code == full.code
    assert "[create_text_output_item(" in pruned.code
    agent_before, helper_before = module.body
    agent_after, helper_after = pruned.body
    assert helper_after is helper_before  # nothing wanted there: not rebuilt
    other_before = agent_before.body.body[1]
    assert agent_after.body.body[1] is other_before
    # each function met gets its visit_ and leave_ (state kept in pairs); the children of those
    # holding nothing wanted are not visited
    assert pruned_rule.visited == ["predict", "other", "helper"]
    assert pruned_rule.left == ["predict", "other", "helper"]


def test_pruned_walk_without_a_wanted_node_returns_the_tree_itself() -> None:
    module = cst.parse_module("x = self_name.other\n")
    assert _Rename().walk(module, wanted=_wanted) is module
